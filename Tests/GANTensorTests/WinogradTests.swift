import Testing
@testable import GANTensor
import GANTestSupport

/// Winograd F(4×4, 3×3) (`conv2d(…, algorithm: .winograd)`) and F(2×2, 3×3) against the direct
/// convolution in Double: output sizes of every remainder modulo 4 (a last tile cut short),
/// outputs of at least 144 positions, padding 0, 1 and 2, channel counts that are not multiples
/// of 8, one image (parallel GEMMs) and batches split across workers, tile batches spanning
/// images (a small image) and a large image taken a few tile rows at a time.
struct WinogradTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var batch: Int, channels: Int, outputs: Int, height: Int, width: Int, padding: Int
        var testDescription: String { "N\(batch) C\(channels)→\(outputs) \(height)×\(width) p\(padding)" }
    }

    @Test(arguments: [
        Case(batch: 3, channels: 5, outputs: 7, height: 13, width: 13, padding: 1),
        Case(batch: 2, channels: 13, outputs: 6, height: 14, width: 14, padding: 0),
        Case(batch: 1, channels: 3, outputs: 10, height: 21, width: 11, padding: 0),
        Case(batch: 5, channels: 11, outputs: 9, height: 12, width: 9, padding: 2),
        Case(batch: 2, channels: 33, outputs: 70, height: 75, width: 73, padding: 1),
        Case(batch: 4, channels: 448, outputs: 20, height: 12, width: 12, padding: 1),
        Case(batch: 2, channels: 4, outputs: 3, height: 3, width: 161, padding: 0),
        Case(batch: 3, channels: 6, outputs: 5, height: 17, width: 18, padding: 1),
        Case(batch: 1, channels: 9, outputs: 4, height: 16, width: 15, padding: 0),
    ])
    func matchesDirectConvolution(_ c: Case) {
        var rng = RandomGenerator(seed: UInt64(c.channels * 100 + c.height))
        let x = Tensor.randomNormal([c.batch, c.channels, c.height, c.width], using: &rng)
        let w = Tensor.randomNormal([c.outputs, c.channels, 3, 3], using: &rng) * 0.3
        let b = Tensor.randomNormal([c.outputs], using: &rng)
        let p = (c.padding, c.padding)
        let fast = x.conv2d(weight: w, bias: b, padding: p, activation: .relu, algorithm: .winograd)
        let exact = x.conv2d(weight: w, bias: b, padding: p, activation: .relu)
        let direct = (directConvolution(x, w, stride: 1, padding: c.padding) + b.reshaped([1, c.outputs, 1, 1])).relu()
        #expect(fast.shape == direct.shape)
        let tolerance = 4e-6 * Float(c.channels).squareRoot() + 1e-6
        #expect(relativeError(fast, direct) < tolerance, "F(4×4, 3×3): \(relativeError(fast, direct))")
        #expect(relativeError(exact, direct) < 1e-5)
        // Winograd really ran (its rounding differs from im2col's somewhere).
        #expect(fast.scalars != exact.scalars)

        let small = Tensor.zeros(direct.shape)
        let g = ConvolutionGeometry(
            inputChannels: c.channels, inputHeight: c.height, inputWidth: c.width, outputChannels: c.outputs,
            outputHeight: direct.shape[2], outputWidth: direct.shape[3], kernelHeight: 3, kernelWidth: 3,
            strideHeight: 1, strideWidth: 1, paddingHeight: c.padding, paddingWidth: c.padding,
            dilationHeight: 1, dilationWidth: 1, groups: 1)
        #expect(WinogradConvolution.applies(to: g))
        WinogradConvolution.forward(x.storage.base, weight: w.storage.base,
                                    small.storage.base, imageStride: g.outputCount, batch: c.batch, geometry: g,
                                    epilogue: .init(bias: b.storage, relu: true), transform: .f2)
        #expect(relativeError(small, direct) < tolerance, "F(2×2, 3×3): \(relativeError(small, direct))")
        #expect(small.scalars != fast.scalars)
    }

    /// Written into a channel slice (image stride larger than the output), between two others.
    @Test func writesItsChannelSlice() {
        var rng = RandomGenerator(seed: 5)
        let x = Tensor.randomNormal([3, 6, 13, 13], using: &rng)
        let w = Tensor.randomNormal([5, 6, 3, 3], using: &rng), b = Tensor.randomNormal([5], using: &rng)
        let before = Tensor.randomNormal([3, 2, 13, 13], using: &rng), after = Tensor.randomNormal([3, 3, 13, 13], using: &rng)
        let y = ChannelConcatenation(batch: 3, channels: 10, height: 13, width: 13)
        y.append(before)
        y.conv2d(x, weight: w, bias: b, padding: (1, 1), activation: .relu, algorithm: .winograd)
        y.append(after)
        let alone = x.conv2d(weight: w, bias: b, padding: (1, 1), activation: .relu, algorithm: .winograd)
        let want = Tensor.concatenate([before, alone, after], axis: 1)
        #expect(y.tensor().scalars.map(\.bitPattern) == want.scalars.map(\.bitPattern))
        #expect(alone.scalars != x.conv2d(weight: w, bias: b, padding: (1, 1), activation: .relu).scalars)
    }

    /// Convolutions it does not compute (stride 2, 1×3, a graph to record, an 8×8 output) keep
    /// im2col's bits.
    @Test func otherConvolutionsKeepTheirBits() {
        var rng = RandomGenerator(seed: 6)
        let x = Tensor.randomNormal([2, 5, 9, 9], using: &rng)
        let w = Tensor.randomNormal([4, 5, 3, 3], using: &rng), b = Tensor.randomNormal([4], using: &rng)
        let strided = x.conv2d(weight: w, bias: b, stride: (2, 2), activation: .relu, algorithm: .winograd)
        #expect(strided.scalars == x.conv2d(weight: w, bias: b, stride: (2, 2), activation: .relu).scalars)
        let w13 = Tensor.randomNormal([4, 5, 1, 3], using: &rng)
        #expect(x.conv2d(weight: w13, bias: b, padding: (0, 1), activation: .relu, algorithm: .winograd).scalars
                    == x.conv2d(weight: w13, bias: b, padding: (0, 1), activation: .relu).scalars)
        let recorded = x.requiringGradient().conv2d(weight: w, bias: b, padding: (1, 1), activation: .relu, algorithm: .winograd)
        #expect(recorded.requiresGradient)
        #expect(recorded.scalars == x.conv2d(weight: w, bias: b, padding: (1, 1), activation: .relu).scalars)
        #expect(x.conv2d(weight: w, bias: b, activation: .relu, algorithm: .winograd).scalars
                    == x.conv2d(weight: w, bias: b, activation: .relu).scalars)  // 7×7 output
    }
}
