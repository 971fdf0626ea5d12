extension Tensor {
    /// The same values with another shape of equal size; one dimension may be `-1`.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var target = newShape
        if let hole = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().reduce(1) { $1.offset == hole ? $0 : $0 * $1.element }
            precondition(known > 0 && count % known == 0,
                         "reshaped: cannot infer -1 in \(newShape) for \(count) elements of shape \(shape)")
            target[hole] = count / known
        }
        precondition(Shape.count(target) == count && target.allSatisfy { $0 >= 0 },
                     "reshaped: shape \(shape) (\(count) elements) cannot become \(newShape)")
        if target == shape { return self }
        let inputShape = shape
        return Tensor.record("reshape", shape: target, storage: storage, inputs: [self]) { ctx in
            [ctx.gradient.reshaped(inputShape)]
        }
    }

    /// Collapses all dimensions from `startAxis` on into one (as `torch.flatten(x, start_dim)`).
    public func flattened(startAxis: Int = 0) -> Tensor {
        if rank == 0 { return reshaped([1]) }
        let a = normalizedAxis(startAxis)
        return reshaped(Array(shape[..<a]) + [-1])
    }

    /// Reorders the axes: result axis `i` is input axis `permutation[i]`.
    public func permuted(_ permutation: [Int]) -> Tensor {
        precondition(permutation.count == rank && Set(permutation) == Set(0..<rank),
                     "permuted: \(permutation) is not a permutation of the axes of shape \(shape)")
        if permutation == Array(0..<rank) { return self }
        let outShape = permutation.map { shape[$0] }
        var inverse = [Int](repeating: 0, count: rank)
        for (i, p) in permutation.enumerated() { inverse[p] = i }
        let values = CopyKernels.permute(storage, shape: shape, permutation: permutation)
        return Tensor.record("permute", shape: outShape, storage: values, inputs: [self]) { ctx in
            [ctx.gradient.permuted(inverse)]
        }
    }

    /// Swaps two axes (the last two by default).
    public func transposed(_ axis0: Int = -2, _ axis1: Int = -1) -> Tensor {
        let a = normalizedAxis(axis0), b = normalizedAxis(axis1)
        var p = Array(0..<rank)
        p.swapAt(a, b)
        return permuted(p)
    }

    /// Inserts an axis of size 1 at `axis` (which may be `rank`, or negative).
    public func unsqueezed(axis: Int) -> Tensor {
        let a = axis < 0 ? axis + rank + 1 : axis
        precondition(a >= 0 && a <= rank, "unsqueezed: axis \(axis) out of range for shape \(shape)")
        var s = shape
        s.insert(1, at: a)
        return reshaped(s)
    }

    /// Removes axes of size 1: `axis` only, or all of them when `nil`.
    public func squeezed(axis: Int? = nil) -> Tensor {
        if let axis {
            let a = normalizedAxis(axis)
            guard shape[a] == 1 else { return self }
            var s = shape
            s.remove(at: a)
            return reshaped(s)
        }
        return reshaped(shape.filter { $0 != 1 })
    }

    /// The values repeated along broadcast axes to `newShape` (NumPy rules).
    public func broadcast(to newShape: [Int]) -> Tensor {
        precondition(Shape.broadcast(shape, newShape) == newShape,
                     "broadcast(to:): shape \(shape) does not broadcast to \(newShape)")
        if newShape == shape { return self }
        let inputShape = shape
        let values = ElementwiseKernels.arithmetic(.first, self, Tensor(0), outShape: newShape)
        return Tensor.record("broadcast", shape: newShape, storage: values, inputs: [self]) { ctx in
            [ctx.gradient.sum(toShape: inputShape)]
        }
    }

    /// Sums over the axes that broadcasting added or stretched, giving `targetShape`
    /// (the adjoint of `broadcast(to:)`).
    public func sum(toShape targetShape: [Int]) -> Tensor {
        if targetShape == shape { return self }
        precondition(Shape.broadcast(targetShape, shape) == shape,
                     "sum(toShape:): shape \(shape) cannot be reduced to \(targetShape)")
        let lead = rank - targetShape.count
        var axes = Array(0..<lead)
        for (i, d) in targetShape.enumerated() where d == 1 && shape[lead + i] != 1 { axes.append(lead + i) }
        return sum(axes: axes).reshaped(targetShape)
    }
}
