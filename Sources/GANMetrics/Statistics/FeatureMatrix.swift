import GANTensor

/// An `[N, D]` matrix of features, one row per sample, checked once for shape and finite
/// values so every metric can trust it.
///
/// Float32 input (a feature network's output) is kept as it is; Double input stays Double,
/// so statistics computed from it lose nothing.
///
/// ```swift
/// let real = try FeatureMatrix(poolFeatures, name: "real features")   // a [N, 2048] Tensor
/// let fake = try FeatureMatrix(values, shape: [n, 2048], name: "fake features")
/// ```
public struct FeatureMatrix: Sendable {
    enum Values: Sendable {
        case float([Float])
        case double([Double])
    }

    /// N, the number of samples (rows).
    public let count: Int
    /// D, the feature dimension (columns).
    public let dimension: Int
    /// What errors call this matrix (`real features`).
    public let name: String
    let values: Values

    /// Features from row-major Float32 values of shape `[N, D]`.
    ///
    /// - Throws: `MetricsError` naming `name` when the shape is not `[N, D]` with D ≥ 1,
    ///   does not match the value count, or a value is NaN or infinite.
    public init(_ values: [Float], shape: [Int], name: String = "features") throws {
        try FeatureMatrix.check(shape: shape, valueCount: values.count, name: name)
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw FeatureMatrix.nonFinite(Double(values[bad]), at: bad, dimension: shape[1], name: name)
        }
        self.count = shape[0]
        self.dimension = shape[1]
        self.name = name
        self.values = .float(values)
    }

    /// Features from row-major Double values of shape `[N, D]`; throws as the Float32 form does.
    public init(_ values: [Double], shape: [Int], name: String = "features") throws {
        try FeatureMatrix.check(shape: shape, valueCount: values.count, name: name)
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw FeatureMatrix.nonFinite(values[bad], at: bad, dimension: shape[1], name: name)
        }
        self.count = shape[0]
        self.dimension = shape[1]
        self.name = name
        self.values = .double(values)
    }

    /// Features from an `[N, D]` tensor; throws as the array forms do.
    public init(_ tensor: Tensor, name: String = "features") throws {
        try self.init(tensor.scalars, shape: tensor.shape, name: name)
    }

    private static func check(shape: [Int], valueCount: Int, name: String) throws {
        guard shape.count == 2, shape[1] >= 1, shape[0] >= 0 else {
            throw MetricsError(name, "expected a 2-d [samples, features] array with at least one feature, found shape \(shape)")
        }
        guard shape[0] * shape[1] == valueCount else {
            throw MetricsError(name, "shape \(shape) needs \(shape[0] * shape[1]) values, found \(valueCount)")
        }
    }

    private static func nonFinite(_ value: Double, at index: Int, dimension: Int, name: String) -> MetricsError {
        MetricsError(name, "value at row \(index / dimension), column \(index % dimension) is \(value); features must be finite")
    }

    /// Throws unless there are at least `minimum` samples; `purpose` says what needs them.
    func requireSamples(_ minimum: Int, for purpose: String) throws {
        guard count >= minimum else {
            throw MetricsError(name, "\(purpose) needs at least \(minimum) samples, found \(count)")
        }
    }

    /// Throws unless `other` has the same feature dimension.
    func requireSameDimension(as other: FeatureMatrix) throws {
        guard dimension == other.dimension else {
            throw MetricsError(other.name, "has \(other.dimension) features per sample, but \(name) has \(dimension); both must come from the same feature network")
        }
    }

    /// The mean of each column, in Double.
    func columnMeans() -> [Double] {
        var sums = [Double](repeating: 0, count: dimension)
        switch values {
        case .float(let v):
            for i in 0..<count {
                let base = i * dimension
                for j in 0..<dimension { sums[j] += Double(v[base + j]) }
            }
        case .double(let v):
            for i in 0..<count {
                let base = i * dimension
                for j in 0..<dimension { sums[j] += v[base + j] }
            }
        }
        let scale = 1 / Double(max(count, 1))
        return sums.map { $0 * scale }
    }

    /// Rows `rows` minus `shift`, row-major, in Double.
    func centeredRows(_ rows: Range<Int>, shift: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: rows.count * dimension)
        switch values {
        case .float(let v):
            for (r, i) in rows.enumerated() {
                for j in 0..<dimension { out[r * dimension + j] = Double(v[i * dimension + j]) - shift[j] }
            }
        case .double(let v):
            for (r, i) in rows.enumerated() {
                for j in 0..<dimension { out[r * dimension + j] = v[i * dimension + j] - shift[j] }
            }
        }
        return out
    }

    /// The rows at `indices`, row-major, in Double.
    func gatheredRows(_ indices: [Int]) -> [Double] {
        var out = [Double](repeating: 0, count: indices.count * dimension)
        switch values {
        case .float(let v):
            for (r, i) in indices.enumerated() {
                for j in 0..<dimension { out[r * dimension + j] = Double(v[i * dimension + j]) }
            }
        case .double(let v):
            for (r, i) in indices.enumerated() {
                for j in 0..<dimension { out[r * dimension + j] = v[i * dimension + j] }
            }
        }
        return out
    }

    /// The rows at `indices`, row-major, in Float32 (rounded when stored as Double).
    func gatheredFloatRows(_ indices: [Int]) -> [Float] {
        var out = [Float](repeating: 0, count: indices.count * dimension)
        switch values {
        case .float(let v):
            for (r, i) in indices.enumerated() {
                for j in 0..<dimension { out[r * dimension + j] = v[i * dimension + j] }
            }
        case .double(let v):
            for (r, i) in indices.enumerated() {
                for j in 0..<dimension { out[r * dimension + j] = Float(v[i * dimension + j]) }
            }
        }
        return out
    }

    /// All rows minus `shift`, rounded to Float32 (for the fast screening GEMMs).
    func centeredFloats(shift: [Double]) -> [Float] {
        var out = [Float](repeating: 0, count: count * dimension)
        switch values {
        case .float(let v):
            for i in 0..<(count * dimension) { out[i] = Float(Double(v[i]) - shift[i % dimension]) }
        case .double(let v):
            for i in 0..<(count * dimension) { out[i] = Float(v[i] - shift[i % dimension]) }
        }
        return out
    }

    /// `‖row i of self − row j of other‖²`, summed in Double from the stored values.
    func squaredDistance(_ i: Int, to other: FeatureMatrix, _ j: Int) -> Double {
        let d = dimension, a = i * d, b = j * d
        var s = 0.0
        switch (values, other.values) {
        case (.float(let x), .float(let y)):
            for k in 0..<d { let t = Double(x[a + k]) - Double(y[b + k]); s += t * t }
        case (.double(let x), .double(let y)):
            for k in 0..<d { let t = x[a + k] - y[b + k]; s += t * t }
        case (.float(let x), .double(let y)):
            for k in 0..<d { let t = Double(x[a + k]) - y[b + k]; s += t * t }
        case (.double(let x), .float(let y)):
            for k in 0..<d { let t = x[a + k] - Double(y[b + k]); s += t * t }
        }
        return s
    }
}
