// Moving values between positions: slicing, concatenation, selection, gathering, padding,
// flipping and tiling.
//
// Four pairs of primitives carry derivative rules, each the adjoint of the other, so
// gradients of any order work:
//   window (slice, flip)   <->  embed (zero padding, the adjoint of a slice)
//   concatenate            ->   slices of the gradient
//   indexSelect            <->  indexAdd
//   gathered               <->  scatterAdd
// Everything else (stack, split, chunked, reflect padding, repeated) is composed from them.

extension Tensor {
    /// How `padded(_:mode:)` fills the new border; the cases are `torch.nn.functional.pad`'s
    /// modes (and `Conv2d`'s `padding_mode`).
    public enum PaddingMode: String, Codable, Sendable {
        /// Zeros.
        case zeros
        /// The values mirrored about the edge, without repeating the edge value
        /// (`[1, 2, 3, 4]` padded by 2 before gives `[3, 2, 1, 2, 3, 4]`); padding < size.
        case reflect
        /// The edge value repeated (`[1, 2, 3]` padded by 2 before gives `[1, 1, 1, 2, 3]`).
        case replicate
        /// The values wrapped around (`[1, 2, 3]` padded by 2 before gives `[2, 3, 1, 2, 3]`);
        /// padding ≤ size.
        case circular
    }

    // MARK: - Windows: slice, flip, zero padding

    /// The strided window with `count[d]` elements along axis `d`, starting at `start[d]`
    /// and stepping by `step[d]` (non-zero; negative steps walk backwards). The caller
    /// checks the bounds. Rule: the gradient embedded into zeros at the same window.
    func window(start: [Int], step: [Int], count: [Int]) -> Tensor {
        if count == shape && start.allSatisfy({ $0 == 0 }) && step.allSatisfy({ $0 == 1 }) { return self }
        let values = IndexingKernels.window(storage, shape: shape, start: start, step: step, count: count)
        let inputShape = shape
        return Tensor.record("slice", shape: count, storage: values, inputs: [self]) { ctx in
            [ctx.gradient.embedded(into: inputShape, start: start, step: step)]
        }
    }

    /// Zeros of shape `outShape` with this tensor written at the window
    /// `window(start:step:count: self.shape)` reads. Rule: that window of the gradient.
    func embedded(into outShape: [Int], start: [Int], step: [Int]) -> Tensor {
        if outShape == shape && start.allSatisfy({ $0 == 0 }) && step.allSatisfy({ $0 == 1 }) { return self }
        let count = shape
        let values = IndexingKernels.embed(storage, count: count, into: outShape, start: start, step: step)
        return Tensor.record("embed", shape: outShape, storage: values, inputs: [self]) { ctx in
            [ctx.gradient.window(start: start, step: step, count: count)]
        }
    }

    /// The elements `start, start + step, …` before `end` along `axis`, as Python's
    /// `x[..., start:end:step]`.
    ///
    /// Negative `start` and `end` count from the end of the axis; both are then clamped
    /// to `0...size`, so an empty range gives a size-0 axis.
    ///
    /// - Parameters:
    ///   - axis: The axis to slice (negative counts from the last).
    ///   - start: First index taken.
    ///   - end: One past the last index that may be taken.
    ///   - step: Distance between taken indices; must be positive.
    /// - Returns: The input's shape with `shape[axis]` replaced by `ceil((end - start) / step)`.
    ///
    /// ```swift
    /// Tensor([0, 1, 2, 3, 4, 5]).slice(axis: 0, start: 1, end: 6, step: 2)  // [1, 3, 5]
    /// ```
    public func slice(axis: Int, start: Int, end: Int, step: Int = 1) -> Tensor {
        let a = normalizedAxis(axis, op: "slice")
        precondition(step > 0, "slice: step \(step) must be positive (shape \(shape), axis \(axis))")
        let size = shape[a]
        func resolve(_ i: Int) -> Int { Swift.min(Swift.max(i < 0 ? i + size : i, 0), size) }
        let lo = resolve(start), hi = resolve(end)
        var first = [Int](repeating: 0, count: rank), steps = [Int](repeating: 1, count: rank)
        var count = shape
        first[a] = lo
        steps[a] = step
        count[a] = hi > lo ? (hi - lo + step - 1) / step : 0
        return window(start: first, step: steps, count: count)
    }

    /// The values in reverse order along each axis in `axes` (as `torch.flip`).
    ///
    /// - Parameter axes: Distinct axes (negative counts from the last); `[]` returns `self`.
    /// - Returns: A tensor of the same shape.
    public func flipped(axes: [Int]) -> Tensor {
        let normalized = axes.map { normalizedAxis($0, op: "flipped") }
        precondition(Set(normalized).count == normalized.count, "flipped: repeated axis in \(axes) for shape \(shape)")
        if normalized.isEmpty { return self }
        var start = [Int](repeating: 0, count: rank), step = [Int](repeating: 1, count: rank)
        for a in normalized where shape[a] > 1 {
            start[a] = shape[a] - 1
            step[a] = -1
        }
        return window(start: start, step: step, count: shape)
    }

    /// The tensor with its trailing axes padded (as `torch.nn.functional.pad`).
    ///
    /// `padding[i]` pads axis `rank - padding.count + i`: unlike PyTorch, which lists the
    /// **last** axis first, the list runs from the first padded axis to the last, in the
    /// order the axes appear in the shape. For NCHW, `[(top, bottom), (left, right)]`.
    ///
    /// - Parameters:
    ///   - padding: Non-negative `(before, after)` amounts, at most one per axis.
    ///   - mode: How to fill the border: zeros, or (see `PaddingMode`) a reflection
    ///     (amounts < size), the edge repeated (size > 0), or a wrap (amounts ≤ size).
    /// - Returns: Shape `[…, d + before + after, …]` over the padded axes.
    ///
    /// ```swift
    /// Tensor([1, 2, 3, 4]).padded([(before: 2, after: 0)], mode: .reflect)  // [3, 2, 1, 2, 3, 4]
    /// ```
    public func padded(_ padding: [(before: Int, after: Int)], mode: PaddingMode = .zeros) -> Tensor {
        precondition(padding.count <= rank,
                     "padded: \(padding.count) padded axes for a tensor of shape \(shape)")
        let first = rank - padding.count
        for (i, p) in padding.enumerated() {
            let size = shape[first + i]
            precondition(p.before >= 0 && p.after >= 0,
                         "padded: negative padding \(p) for axis \(first + i) of shape \(shape)")
            switch mode {
            case .zeros: break
            case .reflect:
                precondition(p.before < size && p.after < size,
                             "padded(.reflect): padding \(p) must be less than size \(size) "
                             + "of axis \(first + i) of shape \(shape)")
            case .replicate:
                precondition(size > 0 || (p.before == 0 && p.after == 0),
                             "padded(.replicate): cannot pad the empty axis \(first + i) of shape \(shape)")
            case .circular:
                precondition(p.before <= size && p.after <= size,
                             "padded(.circular): padding \(p) must not exceed size \(size) "
                             + "of axis \(first + i) of shape \(shape)")
            }
        }
        if mode == .zeros {
            var outShape = shape, start = [Int](repeating: 0, count: rank)
            for (i, p) in padding.enumerated() {
                outShape[first + i] += p.before + p.after
                start[first + i] = p.before
            }
            return embedded(into: outShape, start: start, step: [Int](repeating: 1, count: rank))
        }
        // The other modes read existing values: one index selection per padded axis.
        var result = self
        for (i, p) in padding.enumerated() where p.before > 0 || p.after > 0 {
            let size = shape[first + i]
            let indices = (-p.before..<(size + p.after)).map { j -> Int in
                switch mode {
                case .reflect: return j < 0 ? -j : (j >= size ? 2 * (size - 1) - j : j)
                case .replicate: return Swift.min(Swift.max(j, 0), size - 1)
                case .circular, .zeros: return ((j % size) + size) % size
                }
            }
            result = result.indexSelect(axis: first + i, indices: indices)
        }
        return result
    }

    /// An image batch padded on its last two axes: `[N, C, H, W]` (or any `[…, H, W]`)
    /// becomes `[N, C, H + top + bottom, W + left + right]`. See `padded(_:mode:)`.
    public func padded2d(top: Int, bottom: Int, left: Int, right: Int, mode: PaddingMode = .zeros) -> Tensor {
        precondition(rank >= 2, "padded2d: expected at least [H, W], got shape \(shape)")
        return padded([(before: top, after: bottom), (before: left, after: right)], mode: mode)
    }

    // MARK: - Concatenation and its inverses

    /// The tensors joined along `axis` (as `torch.cat`).
    ///
    /// - Parameters:
    ///   - tensors: At least one tensor; all of the same rank and equal shapes except
    ///     along `axis` (size-0 parts are allowed).
    ///   - axis: The joining axis (negative counts from the last).
    /// - Returns: The common shape with `shape[axis]` the sum of the parts' sizes.
    public static func concatenate(_ tensors: [Tensor], axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "concatenate: no tensors to join")
        let reference = tensors[0]
        let a = reference.normalizedAxis(axis, op: "concatenate")
        for t in tensors {
            precondition(t.rank == reference.rank
                         && t.shape.indices.allSatisfy { $0 == a || t.shape[$0] == reference.shape[$0] },
                         "concatenate: shape \(t.shape) does not match \(reference.shape) outside axis \(axis)")
        }
        if tensors.count == 1 { return reference }
        let lengths = tensors.map { $0.shape[a] }
        let outer = Shape.count(Array(reference.shape[..<a]))
        let inner = Shape.count(Array(reference.shape[(a + 1)...]))
        var outShape = reference.shape
        outShape[a] = lengths.reduce(0, +)
        let values = IndexingKernels.concatenate(tensors.map(\.storage), outer: outer,
                                                 blocks: lengths.map { $0 * inner })
        return record("concatenate", shape: outShape, storage: values, inputs: tensors) { ctx in
            var offset = 0
            return lengths.enumerated().map { i, length in
                defer { offset += length }
                return ctx.needsGradient[i] ? ctx.gradient.slice(axis: a, start: offset, end: offset + length) : nil
            }
        }
    }

    /// The tensors stacked along a new axis (as `torch.stack`).
    ///
    /// - Parameters:
    ///   - tensors: At least one tensor, all of the same shape `s`.
    ///   - axis: Where the new axis goes, in `0...s.count` (negative counts from the end of
    ///     the result's axes).
    /// - Returns: Shape `s` with `tensors.count` inserted at `axis`.
    public static func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        precondition(!tensors.isEmpty, "stack: no tensors to stack")
        let shape = tensors[0].shape
        for t in tensors {
            precondition(t.shape == shape, "stack: shape \(t.shape) differs from \(shape)")
        }
        let a = axis < 0 ? axis + shape.count + 1 : axis
        precondition(a >= 0 && a <= shape.count, "stack: axis \(axis) out of range for shape \(shape)")
        return concatenate(tensors.map { $0.unsqueezed(axis: a) }, axis: a)
    }

    /// Consecutive pieces along `axis` of the given sizes (as `torch.split` with a list).
    ///
    /// - Parameters:
    ///   - sizes: Non-negative sizes summing to `shape[axis]`; zeros give empty pieces.
    ///   - axis: The axis to cut (negative counts from the last).
    /// - Returns: One tensor per size, each the input's shape with `shape[axis] = size`.
    public func split(sizes: [Int], axis: Int) -> [Tensor] {
        let a = normalizedAxis(axis, op: "split")
        precondition(sizes.allSatisfy { $0 >= 0 } && sizes.reduce(0, +) == shape[a],
                     "split: sizes \(sizes) do not add up to \(shape[a]), axis \(axis) of shape \(shape)")
        var offset = 0
        return sizes.map { size in
            defer { offset += size }
            return slice(axis: a, start: offset, end: offset + size)
        }
    }

    /// The tensor cut into at most `count` pieces along `axis` (as `torch.chunk`): pieces
    /// of `ceil(size / count)`, the last one smaller when the size does not divide.
    /// An empty axis gives `count` empty pieces.
    ///
    /// - Parameters:
    ///   - count: How many pieces to aim for; positive.
    ///   - axis: The axis to cut (negative counts from the last).
    public func chunked(into count: Int, axis: Int) -> [Tensor] {
        let a = normalizedAxis(axis, op: "chunked")
        precondition(count > 0, "chunked: count \(count) must be positive (shape \(shape))")
        let size = shape[a]
        if size == 0 { return split(sizes: [Int](repeating: 0, count: count), axis: a) }
        let piece = (size + count - 1) / count
        let sizes = stride(from: 0, to: size, by: piece).map { Swift.min(piece, size - $0) }
        return split(sizes: sizes, axis: a)
    }

    /// The tensor tiled `counts[d]` times along each axis (as `torch.Tensor.repeat`).
    ///
    /// - Parameter counts: Non-negative, at least `rank` of them; extra leading counts add
    ///   leading axes (the input is treated as shape `[1, …, 1] + shape`).
    /// - Returns: Shape `counts[d] * s[d]`, where `s` is the shape padded with leading 1s.
    ///
    /// ```swift
    /// Tensor([1, 2]).repeated([2, 2])  // [[1, 2, 1, 2], [1, 2, 1, 2]]
    /// ```
    public func repeated(_ counts: [Int]) -> Tensor {
        precondition(counts.count >= rank && counts.allSatisfy { $0 >= 0 },
                     "repeated: counts \(counts) must be non-negative and at least one per axis of shape \(shape)")
        let s = [Int](repeating: 1, count: counts.count - rank) + shape
        // [s0, s1, …] -> [1, s0, 1, s1, …] -> broadcast [c0, s0, c1, s1, …] -> [c0 s0, c1 s1, …]
        let interleaved = s.flatMap { [1, $0] }
        let tiled = zip(counts, s).flatMap { [$0, $1] }
        return reshaped(interleaved).broadcast(to: tiled).reshaped(zip(counts, s).map(*))
    }

    // MARK: - Selection along an axis

    /// The slices at `indices` along `axis`, in that order (as `torch.index_select`).
    ///
    /// - Parameters:
    ///   - axis: The axis to select from (negative counts from the last).
    ///   - indices: Positions in `0..<shape[axis]`; they may repeat and be in any order.
    /// - Returns: The input's shape with `shape[axis] = indices.count`.
    ///
    /// The gradient is `indexAdd` of the output gradient into zeros, whose own gradient is
    /// `indexSelect` again.
    public func indexSelect(axis: Int, indices: [Int]) -> Tensor {
        let a = normalizedAxis(axis, op: "indexSelect")
        let length = shape[a]
        for i in indices {
            precondition(i >= 0 && i < length,
                         "indexSelect: index \(i) out of range for axis \(axis) of shape \(shape)")
        }
        let outer = Shape.count(Array(shape[..<a])), inner = Shape.count(Array(shape[(a + 1)...]))
        var outShape = shape
        outShape[a] = indices.count
        let values = IndexingKernels.select(storage, outer: outer, length: length, inner: inner, indices: indices)
        let inputShape = shape
        return Tensor.record("indexSelect", shape: outShape, storage: values, inputs: [self]) { ctx in
            [Tensor.zeros(inputShape).indexAdd(axis: a, indices: indices, source: ctx.gradient)]
        }
    }

    /// This tensor plus `source` added at `indices` along `axis` (as `torch.index_add`):
    /// `result[…, indices[j], …] += source[…, j, …]`, repeated indices accumulating.
    ///
    /// - Parameters:
    ///   - axis: The axis to add along (negative counts from the last).
    ///   - indices: Positions in `0..<shape[axis]`.
    ///   - source: This tensor's shape with `shape[axis] = indices.count`.
    /// - Returns: A tensor of this tensor's shape.
    public func indexAdd(axis: Int, indices: [Int], source: Tensor) -> Tensor {
        let a = normalizedAxis(axis, op: "indexAdd")
        let length = shape[a]
        var sourceShape = shape
        sourceShape[a] = indices.count
        precondition(source.shape == sourceShape,
                     "indexAdd: source shape \(source.shape) should be \(sourceShape) "
                     + "for \(indices.count) indices into shape \(shape)")
        for i in indices {
            precondition(i >= 0 && i < length, "indexAdd: index \(i) out of range for axis \(axis) of shape \(shape)")
        }
        let outer = Shape.count(Array(shape[..<a])), inner = Shape.count(Array(shape[(a + 1)...]))
        let values = IndexingKernels.indexAdd(storage, source: source.storage, outer: outer, length: length,
                                              inner: inner, indices: indices)
        return Tensor.record("indexAdd", shape: shape, storage: values, inputs: [self, source]) { ctx in
            [ctx.needsGradient[0] ? ctx.gradient : nil,
             ctx.needsGradient[1] ? ctx.gradient.indexSelect(axis: a, indices: indices) : nil]
        }
    }

    // MARK: - Gather and scatter

    /// Checks `torch.gather`-style indices of shape `indexShape` against `shape` and
    /// returns the flat offsets they address.
    private func gatherOffsets(axis a: Int, indices: [Int], indexShape: [Int], op: String) -> [Int32] {
        precondition(indexShape.count == rank && indices.count == Shape.count(indexShape),
                     "\(op): \(indices.count) indices of shape \(indexShape) do not match the rank of shape \(shape)")
        precondition(indexShape.indices.allSatisfy { $0 == a || indexShape[$0] <= shape[$0] },
                     "\(op): index shape \(indexShape) exceeds shape \(shape) outside axis \(a)")
        precondition(count <= Int(Int32.max), "\(op): shape \(shape) has too many elements to index")
        let length = shape[a]
        for i in indices {
            precondition(i >= 0 && i < length, "\(op): index \(i) out of range for axis \(a) of shape \(shape)")
        }
        return IndexingKernels.gatherOffsets(inputShape: shape, axis: a, indices: indices, shape: indexShape)
    }

    /// Values picked along `axis` by an index tensor (as `torch.gather`): for `axis == 1`
    /// of a rank-3 tensor, `result[i, j, k] = self[i, indices[i, j, k], k]`.
    ///
    /// - Parameters:
    ///   - axis: The axis the indices point along (negative counts from the last).
    ///   - indices: The index tensor's values, row-major, each in `0..<shape[axis]`.
    ///   - shape: The index tensor's shape: this tensor's rank, and no larger than this
    ///     tensor's shape on the other axes.
    /// - Returns: A tensor of shape `shape`.
    ///
    /// ```swift
    /// let x = Tensor([1, 2, 3, 4], shape: [2, 2])
    /// x.gathered(axis: 1, indices: [1, 0], shape: [2, 1])  // [[2], [3]]
    /// ```
    public func gathered(axis: Int, indices: [Int], shape indexShape: [Int]) -> Tensor {
        let a = normalizedAxis(axis, op: "gathered")
        let offsets = gatherOffsets(axis: a, indices: indices, indexShape: indexShape, op: "gathered")
        let values = CopyKernels.take(storage, indices: offsets)
        let inputShape = shape
        return Tensor.record("gather", shape: indexShape, storage: values, inputs: [self]) { ctx in
            [Tensor.zeros(inputShape).scatterAdd(axis: a, indices: indices, source: ctx.gradient)]
        }
    }

    /// This tensor plus `source` added where the indices point (as `torch.scatter_add`):
    /// for `axis == 1` of a rank-3 tensor, `result[i, indices[i, j, k], k] += source[i, j, k]`.
    /// The adjoint of `gathered(axis:indices:shape:)`.
    ///
    /// - Parameters:
    ///   - axis: The axis the indices point along (negative counts from the last).
    ///   - indices: One index per element of `source`, row-major, each in `0..<shape[axis]`.
    ///   - source: The values to add: this tensor's rank, and no larger than this tensor's
    ///     shape on the other axes.
    /// - Returns: A tensor of this tensor's shape.
    public func scatterAdd(axis: Int, indices: [Int], source: Tensor) -> Tensor {
        let a = normalizedAxis(axis, op: "scatterAdd")
        let offsets = gatherOffsets(axis: a, indices: indices, indexShape: source.shape, op: "scatterAdd")
        let values = IndexingKernels.scatterAdd(storage, source: source.storage, offsets: offsets)
        let sourceShape = source.shape
        return Tensor.record("scatterAdd", shape: shape, storage: values, inputs: [self, source]) { ctx in
            [ctx.needsGradient[0] ? ctx.gradient : nil,
             ctx.needsGradient[1] ? ctx.gradient.gathered(axis: a, indices: indices, shape: sourceShape) : nil]
        }
    }
}
