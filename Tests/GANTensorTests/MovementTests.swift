import Testing
@testable import GANTensor
import GANTestSupport

// Slicing, concatenation, selection, gathering, padding, flipping and tiling
// (Tensor+Indexing.swift): hand-checked values, finite-difference gradients and
// gradient-of-gradient checks.

/// `start, start + 1, …` in the given shape: easy to check by hand.
private func ramp(_ shape: [Int], from start: Float = 0) -> Tensor {
    Tensor((0..<Shape.count(shape)).map { start + Float($0) }, shape: shape)
}

private func random(_ shape: [Int], seed: UInt64 = 1) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    return Tensor.randomNormal(shape, using: &rng)
}

private func expectValues(
    _ t: Tensor, _ values: [Float], shape: [Int], sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(t.shape == shape, sourceLocation: sourceLocation)
    #expect(t.scalars == values, sourceLocation: sourceLocation)
}

/// Finite differences against autograd; with `secondOrder`, of the gradient itself.
private func expectGradients(
    _ inputs: [Tensor], secondOrder: Bool = false, tolerance: Float = 1e-2,
    sourceLocation: SourceLocation = #_sourceLocation, _ f: @escaping ([Tensor]) -> Tensor
) {
    let result = checkGradients(inputs, secondOrder: secondOrder, f)
    #expect(result.worstError < tolerance, "\(result)", sourceLocation: sourceLocation)
}

private let shapes: [[Int]] = [[7], [4, 5], [2, 3, 4], [3, 1, 2, 4]]

// MARK: - Forward values

@Suite struct MovementTests {
    @Test func sliceValues() {
        let x = ramp([6])
        expectValues(x.slice(axis: 0, start: 1, end: 6, step: 2), [1, 3, 5], shape: [3])
        expectValues(x.slice(axis: 0, start: 0, end: 6, step: 4), [0, 4], shape: [2])
        expectValues(x.slice(axis: -1, start: -2, end: 6), [4, 5], shape: [2])
        expectValues(x.slice(axis: 0, start: 1, end: -3), [1, 2], shape: [2])
        expectValues(x.slice(axis: 0, start: -100, end: 100, step: 5), [0, 5], shape: [2])
        expectValues(x.slice(axis: 0, start: 4, end: 2), [], shape: [0])

        let m = ramp([3, 4])
        expectValues(m.slice(axis: -1, start: 1, end: 3), [1, 2, 5, 6, 9, 10], shape: [3, 2])
        expectValues(m.slice(axis: 1, start: 0, end: 4, step: 3), [0, 3, 4, 7, 8, 11], shape: [3, 2])
        expectValues(m.slice(axis: 0, start: 2, end: 3), [8, 9, 10, 11], shape: [1, 4])
        expectValues(ramp([1, 4]).slice(axis: 0, start: 0, end: 1), [0, 1, 2, 3], shape: [1, 4])

        let b = ramp([2, 3, 2])
        expectValues(b.slice(axis: 1, start: 1, end: 3, step: 2), [2, 3, 8, 9], shape: [2, 1, 2])
    }

    @Test func concatenateAndStackValues() {
        let a = ramp([2, 2]), b = Tensor([9, 8], shape: [2, 1])
        expectValues(Tensor.concatenate([a, b], axis: -1), [0, 1, 9, 2, 3, 8], shape: [2, 3])
        expectValues(Tensor.concatenate([a, ramp([1, 2], from: 4), Tensor.zeros([0, 2])], axis: 0),
                     [0, 1, 2, 3, 4, 5], shape: [3, 2])
        expectValues(Tensor.concatenate([Tensor.zeros([2, 0]), b], axis: 1), [9, 8], shape: [2, 1])

        let u = Tensor([1, 2]), v = Tensor([3, 4])
        expectValues(Tensor.stack([u, v], axis: 0), [1, 2, 3, 4], shape: [2, 2])
        expectValues(Tensor.stack([u, v], axis: 1), [1, 3, 2, 4], shape: [2, 2])
        expectValues(Tensor.stack([u, v], axis: -1), [1, 3, 2, 4], shape: [2, 2])
        expectValues(Tensor.stack([Tensor(5), Tensor(6)]), [5, 6], shape: [2])
    }

    @Test func splitAndChunkValues() {
        let parts = ramp([5]).split(sizes: [2, 0, 3], axis: 0)
        #expect(parts.map(\.shape) == [[2], [0], [3]])
        #expect(parts.map(\.scalars) == [[0, 1], [], [2, 3, 4]])

        let rows = ramp([3, 2]).split(sizes: [1, 1], axis: -1)
        #expect(rows.map(\.scalars) == [[0, 2, 4], [1, 3, 5]])

        #expect(ramp([5]).chunked(into: 2, axis: 0).map(\.scalars) == [[0, 1, 2], [3, 4]])
        // As torch.chunk: pieces of ceil(6 / 4) = 2, so only three of them.
        #expect(ramp([6]).chunked(into: 4, axis: 0).map(\.scalars) == [[0, 1], [2, 3], [4, 5]])
        #expect(ramp([2, 4]).chunked(into: 2, axis: -1).map(\.shape) == [[2, 2], [2, 2]])
        #expect(ramp([0]).chunked(into: 3, axis: 0).map(\.shape) == [[0], [0], [0]])
    }

    @Test func indexSelectAndIndexAddValues() {
        let x = ramp([3, 2])
        expectValues(x.indexSelect(axis: 0, indices: [2, 0, 2]), [4, 5, 0, 1, 4, 5], shape: [3, 2])
        expectValues(x.indexSelect(axis: -1, indices: [1, 1, 0]), [1, 1, 0, 3, 3, 2, 5, 5, 4], shape: [3, 3])
        expectValues(x.indexSelect(axis: 0, indices: []), [], shape: [0, 2])

        let added = Tensor([10, 20, 30]).indexAdd(axis: 0, indices: [0, 0, 2], source: Tensor([1, 2, 3]))
        expectValues(added, [13, 20, 33], shape: [3])
        let rows = Tensor.zeros([2, 3]).indexAdd(axis: 1, indices: [2, 2], source: ramp([2, 2], from: 1))
        expectValues(rows, [0, 0, 3, 0, 0, 7], shape: [2, 3])
    }

    @Test func gatherAndScatterAddValues() {
        let x = ramp([2, 3])  // [[0, 1, 2], [3, 4, 5]]
        expectValues(x.gathered(axis: 1, indices: [2, 0, 1, 1], shape: [2, 2]), [2, 0, 4, 4], shape: [2, 2])
        expectValues(x.gathered(axis: 0, indices: [1, 0, 1], shape: [1, 3]), [3, 1, 5], shape: [1, 3])
        expectValues(x.gathered(axis: -1, indices: [1, 0], shape: [2, 1]), [1, 3], shape: [2, 1])
        let cube = ramp([2, 2, 3])
        expectValues(cube.gathered(axis: 1, indices: [1, 0, 1, 0, 0, 1], shape: [2, 1, 3]),
                     [3, 1, 5, 6, 7, 11], shape: [2, 1, 3])

        let scattered = Tensor.zeros([2, 3]).scatterAdd(axis: 1, indices: [2, 0, 1, 1], source: ramp([2, 2], from: 1))
        expectValues(scattered, [2, 0, 1, 0, 7, 0], shape: [2, 3])
    }

    @Test func paddingValues() {
        let x = Tensor([1, 2, 3, 4])
        expectValues(x.padded([(before: 2, after: 0)], mode: .reflect), [3, 2, 1, 2, 3, 4], shape: [6])
        expectValues(x.padded([(before: 0, after: 3)], mode: .reflect), [1, 2, 3, 4, 3, 2, 1], shape: [7])
        expectValues(x.padded([(before: 1, after: 2)]), [0, 1, 2, 3, 4, 0, 0], shape: [7])
        expectValues(x.padded([(before: 2, after: 1)], mode: .replicate), [1, 1, 1, 2, 3, 4, 4], shape: [7])
        expectValues(x.padded([(before: 2, after: 1)], mode: .circular), [3, 4, 1, 2, 3, 4, 1], shape: [7])
        expectValues(x.padded([]), [1, 2, 3, 4], shape: [4])

        // Only the trailing axes listed are padded, first listed axis first.
        let m = ramp([2, 2], from: 1)  // [[1, 2], [3, 4]]
        expectValues(m.padded([(before: 0, after: 1)]), [1, 2, 0, 3, 4, 0], shape: [2, 3])
        expectValues(m.padded([(before: 1, after: 0), (before: 0, after: 1)]),
                     [0, 0, 0, 1, 2, 0, 3, 4, 0], shape: [3, 3])

        let image = ramp([1, 1, 3, 3])  // [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
        let reflected = image.padded2d(top: 1, bottom: 1, left: 1, right: 1, mode: .reflect)
        expectValues(reflected, [4, 3, 4, 5, 4,
                                 1, 0, 1, 2, 1,
                                 4, 3, 4, 5, 4,
                                 7, 6, 7, 8, 7,
                                 4, 3, 4, 5, 4], shape: [1, 1, 5, 5])
        let zeroPadded = m.reshaped([1, 1, 2, 2]).padded2d(top: 0, bottom: 1, left: 1, right: 0)
        expectValues(zeroPadded, [0, 1, 2, 0, 3, 4, 0, 0, 0], shape: [1, 1, 3, 3])
        let asymmetric = image.padded2d(top: 2, bottom: 0, left: 0, right: 2, mode: .reflect)
        expectValues(asymmetric.slice(axis: 2, start: 0, end: 2), [6, 7, 8, 7, 6, 3, 4, 5, 4, 3], shape: [1, 1, 2, 5])
    }

    @Test func flipAndRepeatValues() {
        let x = ramp([2, 3])
        expectValues(x.flipped(axes: [1]), [2, 1, 0, 5, 4, 3], shape: [2, 3])
        expectValues(x.flipped(axes: [-2]), [3, 4, 5, 0, 1, 2], shape: [2, 3])
        expectValues(x.flipped(axes: [0, 1]), [5, 4, 3, 2, 1, 0], shape: [2, 3])
        expectValues(ramp([1, 3]).flipped(axes: [0]), [0, 1, 2], shape: [1, 3])

        expectValues(Tensor([1, 2]).repeated([2, 2]), [1, 2, 1, 2, 1, 2, 1, 2], shape: [2, 4])
        expectValues(Tensor([1, 2], shape: [2, 1]).repeated([1, 3]), [1, 1, 1, 2, 2, 2], shape: [2, 3])
        expectValues(Tensor([1, 2], shape: [2, 1]).repeated([2, 1, 1]), [1, 2, 1, 2], shape: [2, 2, 1])
        expectValues(Tensor([1, 2]).repeated([0]), [], shape: [0])
    }

    /// Sizes past the parallel threshold, against plain loops.
    @Test func largeCopiesMatchLoops() {
        let rows = 96, cols = 700
        let x = random([rows, cols], seed: 3)
        let v = x.scalars
        let strided = x.slice(axis: 1, start: 3, end: cols, step: 2)
        let flipped = x.flipped(axes: [0, 1])
        let picked = x.indexSelect(axis: 0, indices: [5, 5, 0, 95])
        var expectStrided: [Float] = [], expectFlipped: [Float] = [], expectPicked: [Float] = []
        for r in 0..<rows { for c in stride(from: 3, to: cols, by: 2) { expectStrided.append(v[r * cols + c]) } }
        for i in 0..<(rows * cols) { expectFlipped.append(v[rows * cols - 1 - i]) }
        for r in [5, 5, 0, 95] { expectPicked += v[(r * cols)..<((r + 1) * cols)] }
        #expect(strided.scalars == expectStrided)
        #expect(flipped.scalars == expectFlipped)
        #expect(picked.scalars == expectPicked)

        let joined = Tensor.concatenate([x, x.slice(axis: 1, start: 0, end: 5)], axis: 1)
        #expect(joined.shape == [rows, cols + 5])
        #expect(joined.slice(axis: 1, start: 0, end: cols).scalars == v)
        let stacked = Tensor.concatenate([x, x], axis: 0)
        #expect(stacked.scalars == v + v)

        // One outer row: index-add splits across the inner positions.
        let flat = x.reshaped([1, rows * cols])
        let both = Tensor.concatenate([flat, flat], axis: 0)
        let twice = Tensor.zeros([1, rows * cols]).indexAdd(axis: 0, indices: [0, 0], source: both)
        #expect(twice.scalars == v.map { $0 + $0 })
        let padded = x.padded([(before: 1, after: 1), (before: 2, after: 0)])
        #expect(padded.slice(axis: 0, start: 1, end: rows + 1).slice(axis: 1, start: 2, end: cols + 2).scalars == v)
        #expect(padded.count == (rows + 2) * (cols + 2))
    }
}

// MARK: - Gradients

extension MovementTests {
    @Suite struct Gradients {
        @Test(arguments: shapes)
        func sliceGradients(shape: [Int]) {
            let x = random(shape)
            for axis in 0..<shape.count {
                let start = shape[axis] > 1 ? 1 : 0
                expectGradients([x]) { $0[0].slice(axis: axis, start: start, end: shape[axis], step: 2) }
                expectGradients([x], secondOrder: true) {
                    $0[0].slice(axis: axis - shape.count, start: 0, end: shape[axis] - 1).tanh()
                }
            }
            if shape.count > 1 {
                expectGradients([x], secondOrder: true) {
                    let s = $0[0].slice(axis: 0, start: 0, end: shape[0], step: 2)
                        .slice(axis: -1, start: 1, end: shape.last!)
                    return s * s
                }
            }
        }

        @Test(arguments: shapes)
        func concatenateAndStackGradients(shape: [Int]) {
            let a = random(shape, seed: 1), b = random(shape, seed: 2)
            for axis in 0..<shape.count {
                var other = shape
                other[axis] = 2
                let c = random(other, seed: 3)
                expectGradients([a, c, b]) { Tensor.concatenate($0, axis: axis) }
                expectGradients([a, c], secondOrder: true) { xs in
                    Tensor.concatenate([xs[0] * xs[1].sum(), xs[1], xs[0]], axis: axis).tanh()
                }
            }
            expectGradients([a, b]) { Tensor.stack($0, axis: -1) }
            expectGradients([a, b], secondOrder: true) { Tensor.stack($0, axis: 0).tanh() }
        }

        @Test(arguments: shapes)
        func splitAndChunkGradients(shape: [Int]) {
            let x = random(shape)
            let axis = shape.count - 1
            let n = shape[axis]
            expectGradients([x]) { xs in
                let parts = xs[0].split(sizes: [1, 0, n - 1], axis: axis)
                return parts[0] * 2 + parts[2].sum(axis: axis, keepDims: true)
            }
            expectGradients([x]) { xs in
                let chunks = xs[0].chunked(into: 2, axis: 0)
                return chunks.last!.tanh().sum() * chunks[0].sum()
            }
        }

        @Test(arguments: shapes)
        func paddingGradients(shape: [Int]) {
            let x = random(shape)
            let last = shape.count - 1
            let trailing = [(before: 2, after: 1)]
            expectGradients([x]) { $0[0].padded(trailing) }
            expectGradients([x], secondOrder: true) { $0[0].padded(trailing).tanh() }
            let reflect = [(before: 1, after: Swift.min(3, shape[last] - 1))]
            expectGradients([x]) { $0[0].padded(reflect, mode: .reflect) }
            expectGradients([x], secondOrder: true) { $0[0].padded(reflect, mode: .reflect).tanh() }
            expectGradients([x]) { $0[0].padded([(before: 3, after: 2)], mode: .replicate) }
            expectGradients([x]) { $0[0].padded([(before: 1, after: 0)], mode: .circular) }
            if shape.count >= 2 {
                let both = shape[last - 1] > 1 ? 1 : 0
                expectGradients([x], secondOrder: true) {
                    let p = $0[0].padded([(before: both, after: both), (before: 1, after: 2)], mode: .reflect)
                    return p * p
                }
                expectGradients([x], secondOrder: true) {
                    $0[0].padded([(before: 1, after: 0), (before: 0, after: 2)]).tanh()
                }
            }
        }

        @Test(arguments: shapes)
        func indexSelectGradients(shape: [Int]) {
            let x = random(shape)
            for axis in 0..<shape.count {
                let n = shape[axis]
                let indices = [n - 1, 0, n - 1, n / 2]  // repeats accumulate
                expectGradients([x]) { $0[0].indexSelect(axis: axis, indices: indices) }
                expectGradients([x], secondOrder: true) { $0[0].indexSelect(axis: axis, indices: indices).tanh() }
            }
        }

        @Test func indexAddGradients() {
            let base = random([3, 4], seed: 1), source = random([3, 5], seed: 2)
            let indices = [3, 0, 3, 1, 3]
            expectGradients([base, source]) { $0[0].indexAdd(axis: 1, indices: indices, source: $0[1]) }
            expectGradients([base, source], secondOrder: true) {
                $0[0].indexAdd(axis: -1, indices: indices, source: $0[1]).tanh()
            }
        }

        @Test(arguments: shapes)
        func gatherGradients(shape: [Int]) {
            let x = random(shape)
            var rng = RandomGenerator(seed: 11)
            for axis in 0..<shape.count {
                // Index shape: one more along the axis (repeats), one fewer elsewhere where possible.
                let indexShape = shape.indices.map { $0 == axis ? shape[$0] + 1 : Swift.max(1, shape[$0] - 1) }
                let indices = (0..<Shape.count(indexShape)).map { _ in Int(rng.next() % UInt64(shape[axis])) }
                expectGradients([x]) { $0[0].gathered(axis: axis, indices: indices, shape: indexShape) }
                expectGradients([x], secondOrder: true) {
                    $0[0].gathered(axis: axis, indices: indices, shape: indexShape).tanh()
                }
            }
        }

        @Test func scatterAddGradients() {
            let base = random([2, 4], seed: 1), source = random([2, 3], seed: 2)
            let indices = [3, 0, 3, 1, 1, 2]
            expectGradients([base, source]) { $0[0].scatterAdd(axis: 1, indices: indices, source: $0[1]) }
            expectGradients([base, source], secondOrder: true) {
                $0[0].scatterAdd(axis: 1, indices: indices, source: $0[1]).tanh()
            }
        }

        @Test(arguments: shapes)
        func flipAndRepeatGradients(shape: [Int]) {
            let x = random(shape)
            expectGradients([x]) { $0[0].flipped(axes: shape.count > 1 ? [0, -1] : [0]) }
            expectGradients([x], secondOrder: true) { $0[0].flipped(axes: [-1]).tanh() }
            expectGradients([x]) { $0[0].repeated([2] + [Int](repeating: 1, count: shape.count - 1) + [3]) }
            expectGradients([x], secondOrder: true) { $0[0].repeated([Int](repeating: 2, count: shape.count)).tanh() }
        }
    }
}
