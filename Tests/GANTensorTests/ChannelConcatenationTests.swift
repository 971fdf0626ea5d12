import Testing
@testable import GANTensor
import GANTestSupport

/// `ChannelConcatenation` writes each convolution straight into its channel slice of the block
/// output (Inception's branches): the bits must be those of `Tensor.concatenate` of the
/// separate convolutions, on every forward path (bands of rows, chunks of images, one image
/// at a time, pointwise, dense, groups).
struct ChannelConcatenationTests {
    /// One input size and its branches.
    struct Case: CustomTestStringConvertible, Sendable {
        var channels: Int, size: Int
        var testDescription: String { "C\(channels) \(size)²" }
    }

    @Test(arguments: [
        Case(channels: 64, size: 40),  // 3×3 over 576 × 1600 columns: banded
        Case(channels: 24, size: 17),  // one image per chunk: written straight into the slice
        Case(channels: 8, size: 9),    // several images per chunk: the epilogue writes the slice
    ])
    func slicesEqualConcatenatedConvolutions(_ c: Case) {
        var rng = RandomGenerator(seed: 41)
        let n = 5
        let x = Tensor.randomNormal([n, c.channels, c.size, c.size], using: &rng)
        // (out channels, kernel, padding, groups): 3×3 pad 1, pointwise, 1×3, grouped 3×1.
        let branches: [(Int, (Int, Int), (Int, Int), Int)] = [(5, (3, 3), (1, 1), 1), (7, (1, 1), (0, 0), 1),
                                                              (3, (1, 3), (0, 1), 1), (6, (3, 1), (1, 0), 2)]
        let weights = branches.map { o, k, _, groups in
            (Tensor.randomNormal([o, c.channels / groups, k.0, k.1], using: &rng) * 0.2, Tensor.randomNormal([o], using: &rng))
        }
        let extra = Tensor.randomNormal([n, 2, c.size, c.size], using: &rng)
        let separate = zip(branches, weights).map { branch, wb in
            x.conv2d(weight: wb.0, bias: wb.1, padding: branch.2, groups: branch.3, activation: .relu)
        }
        let want = Tensor.concatenate([separate[0], separate[1], extra, separate[2], separate[3]], axis: 1)

        let total = branches.map(\.0).reduce(2, +)
        let y = ChannelConcatenation(batch: n, channels: total, height: c.size, width: c.size)
        for i in 0..<2 {
            y.conv2d(x, weight: weights[i].0, bias: weights[i].1, padding: branches[i].2, groups: branches[i].3, activation: .relu)
        }
        y.append(extra)
        for i in 2..<4 {
            y.conv2d(x, weight: weights[i].0, bias: weights[i].1, padding: branches[i].2, groups: branches[i].3, activation: .relu)
        }
        #expect(y.filled == total)
        let got = y.tensor()
        #expect(got.shape == want.shape)
        #expect(got.scalars.map(\.bitPattern) == want.scalars.map(\.bitPattern))
    }

    /// A kernel covering the whole input (one output position: the dense GEMM) lands in its slice.
    @Test func denseConvolutionSlice() {
        var rng = RandomGenerator(seed: 42)
        let x = Tensor.randomNormal([3, 4, 5, 5], using: &rng)
        let w = Tensor.randomNormal([6, 4, 5, 5], using: &rng), b = Tensor.randomNormal([6], using: &rng)
        let first = Tensor.randomNormal([3, 1, 1, 1], using: &rng)
        let y = ChannelConcatenation(batch: 3, channels: 7, height: 1, width: 1)
        y.append(first)
        y.conv2d(x, weight: w, bias: b, activation: .relu)
        let want = Tensor.concatenate([first, x.conv2d(weight: w, bias: b, activation: .relu)], axis: 1)
        #expect(y.tensor().scalars.map(\.bitPattern) == want.scalars.map(\.bitPattern))
    }
}
