extension Tensor {
    /// Normalised, sorted, distinct axes; all axes when `axes` is empty.
    func reductionAxes(_ axes: [Int], op: StaticString) -> [Int] {
        if axes.isEmpty { return Array(0..<rank) }
        let a = Set(axes.map { normalizedAxis($0, op: op) }).sorted()
        return a
    }

    func reducedShape(_ axes: [Int], keepDims: Bool) -> [Int] {
        var s: [Int] = []
        for (i, d) in shape.enumerated() {
            if axes.contains(i) { if keepDims { s.append(1) } } else { s.append(d) }
        }
        return s
    }

    /// The sum over `axes` (all axes when empty), keeping them as size 1 when `keepDims`.
    public func sum(axes: [Int] = [], keepDims: Bool = false) -> Tensor {
        let axes = reductionAxes(axes, op: "sum")
        let keptShape = reducedShape(axes, keepDims: true)
        // Neighbouring axes of the same kind merge ([N, C, H, W] over N, H, W is [N, C, H·W]
        // over 0 and 2); then one pass per reduced axis, last first, each seeing
        // [outer, length, inner].
        var merged: [(size: Int, reduced: Bool)] = []
        for (i, d) in shape.enumerated() {
            let reduced = axes.contains(i)
            if let last = merged.last, last.reduced == reduced {
                merged[merged.count - 1].size *= d
            } else {
                merged.append((d, reduced))
            }
        }
        var values = storage
        var current = merged.map(\.size)
        for a in merged.indices.reversed() where merged[a].reduced {
            let outer = Shape.count(Array(current[..<a]))
            let inner = Shape.count(Array(current[(a + 1)...]))
            values = ReduceKernels.sum(values, outer: outer, length: current[a], inner: inner)
            current[a] = 1
        }
        let inputShape = shape
        let result = Tensor.record("sum", shape: keptShape, storage: values, inputs: [self]) { ctx in
            [ctx.gradient.broadcast(to: inputShape)]
        }
        return keepDims ? result : result.reshaped(reducedShape(axes, keepDims: false))
    }

    /// The sum along one axis.
    public func sum(axis: Int, keepDims: Bool = false) -> Tensor { sum(axes: [axis], keepDims: keepDims) }

    /// The mean over `axes` (all axes when empty).
    public func mean(axes: [Int] = [], keepDims: Bool = false) -> Tensor {
        let a = reductionAxes(axes, op: "mean")
        let n = a.reduce(1) { $0 * shape[$1] }
        return sum(axes: a, keepDims: keepDims) / Float(Swift.max(n, 1))
    }

    /// The mean along one axis.
    public func mean(axis: Int, keepDims: Bool = false) -> Tensor { mean(axes: [axis], keepDims: keepDims) }

    /// The variance over `axes`, dividing by `n - correction` (`correction: 1` is PyTorch's
    /// default, unbiased; batch normalisation uses `0`).
    public func variance(axes: [Int] = [], correction: Int = 1, keepDims: Bool = false) -> Tensor {
        let a = reductionAxes(axes, op: "variance")
        let n = a.reduce(1) { $0 * shape[$1] }
        let centred = self - mean(axes: a, keepDims: true)
        return (centred * centred).sum(axes: a, keepDims: keepDims) / Float(Swift.max(n - correction, 0))
    }

    /// The largest values over `axes` (all when empty). The gradient is shared equally among
    /// tied maxima, as `torch.amax`.
    public func max(axes: [Int] = [], keepDims: Bool = false) -> Tensor {
        extremum(axes: axes, keepDims: keepDims, largest: true)
    }

    /// The smallest values over `axes` (all when empty), as `torch.amin`.
    public func min(axes: [Int] = [], keepDims: Bool = false) -> Tensor {
        extremum(axes: axes, keepDims: keepDims, largest: false)
    }

    /// The largest values along `axis`.
    public func max(axis: Int, keepDims: Bool = false) -> Tensor { max(axes: [axis], keepDims: keepDims) }

    /// The smallest values along `axis`.
    public func min(axis: Int, keepDims: Bool = false) -> Tensor { min(axes: [axis], keepDims: keepDims) }

    private func extremum(axes: [Int], keepDims: Bool, largest: Bool) -> Tensor {
        let axes = reductionAxes(axes, op: largest ? "max" : "min")
        let keptShape = reducedShape(axes, keepDims: true)
        var values = storage
        var current = shape
        for a in axes.reversed() {
            let outer = Shape.count(Array(current[..<a]))
            let inner = Shape.count(Array(current[(a + 1)...]))
            values = ReduceKernels.extremum(values, outer: outer, length: current[a], inner: inner,
                                            largest: largest).values
            current[a] = 1
        }
        let input = self
        let result = Tensor.record(largest ? "max" : "min", shape: keptShape, storage: values,
                                   inputs: [self], savesOutput: true) { ctx in
            let mask = input.detach().isEqual(to: ctx.output!.detach())
            let share = mask / mask.sum(axes: axes, keepDims: true)
            return [ctx.gradient * share]
        }
        return keepDims ? result : result.reshaped(reducedShape(axes, keepDims: false))
    }

    /// The index of the largest value along `axis` (the first one on ties), as a flat
    /// row-major array over the remaining axes.
    public func argmax(axis: Int) -> [Int] { argExtremum(axis: axis, largest: true) }

    /// The index of the smallest value along `axis` (the first one on ties).
    public func argmin(axis: Int) -> [Int] { argExtremum(axis: axis, largest: false) }

    private func argExtremum(axis: Int, largest: Bool) -> [Int] {
        let a = normalizedAxis(axis, op: largest ? "argmax" : "argmin")
        precondition(shape[a] > 0, "\(largest ? "argmax" : "argmin"): axis \(axis) of shape \(shape) is empty")
        return ReduceKernels.extremum(storage, outer: Shape.count(Array(shape[..<a])), length: shape[a],
                                      inner: Shape.count(Array(shape[(a + 1)...])), largest: largest).indices
    }

    /// `log(sum(exp(x)))` over `axes`, computed stably.
    public func logSumExp(axes: [Int] = [], keepDims: Bool = false) -> Tensor {
        let a = reductionAxes(axes, op: "logSumExp")
        // The shift is a constant: the result does not depend on it, so neither does its gradient.
        let shift = withoutGradients { detach().max(axes: a, keepDims: true) }
        let finiteShift = shift.replacingNonFinite(with: 0)
        let result = (self - finiteShift).exp().sum(axes: a, keepDims: true).log() + finiteShift
        return keepDims ? result : result.reshaped(reducedShape(a, keepDims: false))
    }

    /// The softmax along `axis`.
    public func softmax(axis: Int = -1) -> Tensor {
        (self - logSumExp(axes: [axis], keepDims: true)).exp()
    }

    /// The log of the softmax along `axis`.
    public func logSoftmax(axis: Int = -1) -> Tensor {
        self - logSumExp(axes: [axis], keepDims: true)
    }

    /// The Euclidean norm over `axes` (all when empty). Its gradient at 0 is 0, as in PyTorch.
    public func l2Norm(axes: [Int] = [], keepDims: Bool = false) -> Tensor {
        let a = reductionAxes(axes, op: "l2Norm")
        let values = withoutGradients { (detach() * detach()).sum(axes: a, keepDims: true).sqrt() }
        let input = self
        let result = Tensor.record("l2Norm", shape: values.shape, storage: values.storage,
                                   inputs: [self], savesOutput: true) { ctx in
            let norm = ctx.output!
            let safe = Tensor.where(norm.detach().isEqual(to: Tensor(0)), Tensor(1), norm)
            return [input * (ctx.gradient / safe)]
        }
        return keepDims ? result : result.reshaped(reducedShape(a, keepDims: false))
    }
}
