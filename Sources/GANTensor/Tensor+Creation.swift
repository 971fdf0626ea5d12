extension Tensor {
    /// A tensor of zeros.
    public static func zeros(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, storage: TensorStorage(zeros: Shape.count(shape)))
    }

    /// A tensor of ones.
    public static func ones(_ shape: [Int]) -> Tensor {
        full(shape, 1)
    }

    /// A tensor with every element equal to `value`.
    public static func full(_ shape: [Int], _ value: Float) -> Tensor {
        Tensor(shape: shape, storage: TensorStorage(repeating: value, count: Shape.count(shape)))
    }

    /// Zeros with the shape of `other`.
    public static func zeros(like other: Tensor) -> Tensor { zeros(other.shape) }

    /// Ones with the shape of `other`.
    public static func ones(like other: Tensor) -> Tensor { ones(other.shape) }

    /// `[start, start + step, ...]` below `end` (above it for a negative step), as `torch.arange`.
    public static func arange(_ start: Float = 0, _ end: Float, step: Float = 1) -> Tensor {
        precondition(step != 0, "Tensor.arange: step must not be 0")
        let count = Swift.max(0, Int(((Double(end) - Double(start)) / Double(step)).rounded(.up)))
        return Tensor((0..<count).map { Float(Double(start) + Double($0) * Double(step)) })
    }

    /// `count` evenly spaced values from `start` to `end` inclusive, as `torch.linspace`.
    public static func linspace(_ start: Float, _ end: Float, count: Int) -> Tensor {
        precondition(count >= 0, "Tensor.linspace: negative count \(count)")
        if count == 1 { return Tensor([start]) }
        let step = (Double(end) - Double(start)) / Double(count - 1)
        return Tensor((0..<count).map { i in
            // Fill from both ends, as PyTorch does, so the last value is exactly `end`.
            i < count / 2 ? Float(Double(start) + step * Double(i)) : Float(Double(end) - step * Double(count - 1 - i))
        })
    }

    /// The `n`×`m` identity (ones on the diagonal).
    public static func eye(_ n: Int, _ m: Int? = nil) -> Tensor {
        let cols = m ?? n
        let t = zeros([n, cols])
        for i in 0..<Swift.min(n, cols) { t.storage.base[i * cols + i] = 1 }
        return t
    }

    /// Normal values with the given mean and standard deviation.
    public static func randomNormal(
        _ shape: [Int], mean: Float = 0, standardDeviation: Float = 1, using generator: inout RandomGenerator
    ) -> Tensor {
        let storage = TensorStorage(uninitializedCount: Shape.count(shape))
        generator.fillNormal(storage.buffer, mean: mean, standardDeviation: standardDeviation)
        return Tensor(shape: shape, storage: storage)
    }

    /// Uniform values in `[lower, upper)`.
    public static func randomUniform(
        _ shape: [Int], lower: Float = 0, upper: Float = 1, using generator: inout RandomGenerator
    ) -> Tensor {
        let storage = TensorStorage(uninitializedCount: Shape.count(shape))
        let width = upper - lower
        for i in 0..<storage.count { storage.base[i] = lower + width * generator.nextUniform() }
        return Tensor(shape: shape, storage: storage)
    }

    /// Normal values redrawn until they fall within `[lower, upper]` (in units of the
    /// standard deviation from the mean), as `torch.nn.init.trunc_normal_` bounds them.
    public static func randomTruncatedNormal(
        _ shape: [Int], mean: Float = 0, standardDeviation: Float = 1,
        lower: Float = -2, upper: Float = 2, using generator: inout RandomGenerator
    ) -> Tensor {
        precondition(lower < upper, "Tensor.randomTruncatedNormal: lower \(lower) must be below upper \(upper)")
        let storage = TensorStorage(uninitializedCount: Shape.count(shape))
        var one = [Float](repeating: 0, count: 2)
        for i in 0..<storage.count {
            while true {
                one.withUnsafeMutableBufferPointer { generator.fillNormal($0, mean: 0, standardDeviation: 1) }
                if one[0] >= lower && one[0] <= upper { break }
            }
            storage.base[i] = mean + standardDeviation * one[0]
        }
        return Tensor(shape: shape, storage: storage)
    }

    /// 1 with probability `probability`, else 0.
    public static func randomBernoulli(
        _ shape: [Int], probability: Float, using generator: inout RandomGenerator
    ) -> Tensor {
        let storage = TensorStorage(uninitializedCount: Shape.count(shape))
        for i in 0..<storage.count { storage.base[i] = generator.nextUniform() < probability ? 1 : 0 }
        return Tensor(shape: shape, storage: storage)
    }
}
