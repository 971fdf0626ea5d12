import Testing
@testable import GANTensor
import GANTestSupport

/// One convolution shape for the gradient checks: `[n, c, h, w]` input, `o` output channels.
struct ConvolutionCase: CustomTestStringConvertible, Sendable {
    var n: Int, c: Int, o: Int, h: Int, w: Int
    var kernel: (Int, Int), stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0)
    var dilation: (Int, Int) = (1, 1), groups: Int = 1, outputPadding: (Int, Int) = (0, 0)

    var testDescription: String {
        "x[\(n),\(c),\(h),\(w)] o\(o) k\(kernel) s\(stride) p\(padding) d\(dilation) g\(groups) op\(outputPadding)"
    }

    /// `x.conv2d` with these parameters and a `[o, c/groups, kh, kw]` weight.
    func conv(_ x: Tensor, _ w: Tensor, _ b: Tensor? = nil) -> Tensor {
        x.conv2d(weight: w, bias: b, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }

    /// `x.convTranspose2d` with these parameters: `x` `[n, c, h, w]`, weight `[c, o/groups, kh, kw]`.
    func convTranspose(_ x: Tensor, _ w: Tensor, _ b: Tensor? = nil) -> Tensor {
        x.convTranspose2d(weight: w, bias: b, stride: stride, padding: padding, outputPadding: outputPadding,
                          dilation: dilation, groups: groups)
    }

    var convWeightShape: [Int] { [o, c / groups, kernel.0, kernel.1] }
    var transposeWeightShape: [Int] { [c, o / groups, kernel.0, kernel.1] }
}

/// Small shapes covering groups, stride 2, dilation 2, padding, rectangular kernels and 1×1.
let convolutionCases: [ConvolutionCase] = [
    ConvolutionCase(n: 2, c: 3, o: 4, h: 5, w: 5, kernel: (3, 3), padding: (1, 1)),
    ConvolutionCase(n: 1, c: 4, o: 4, h: 6, w: 6, kernel: (3, 3), stride: (2, 2), padding: (1, 1), groups: 2),
    ConvolutionCase(n: 2, c: 2, o: 2, h: 6, w: 5, kernel: (3, 3), padding: (2, 1), dilation: (2, 2)),
    ConvolutionCase(n: 2, c: 4, o: 2, h: 4, w: 4, kernel: (1, 1), groups: 2),
    ConvolutionCase(n: 2, c: 2, o: 4, h: 6, w: 6, kernel: (4, 3), stride: (2, 1), padding: (1, 0), groups: 2),
    ConvolutionCase(n: 2, c: 1, o: 3, h: 6, w: 6, kernel: (4, 4), stride: (2, 2), padding: (1, 1)),
    ConvolutionCase(n: 3, c: 3, o: 2, h: 4, w: 3, kernel: (4, 3)),  // dense: one output position
]

/// Transposed-convolution shapes (input `[n, c, h, w]`, `o` output channels), incl. output
/// padding, and output padding ≥ stride (allowed below the dilation).
let transposeCases: [ConvolutionCase] = [
    ConvolutionCase(n: 2, c: 3, o: 2, h: 3, w: 4, kernel: (3, 3), padding: (1, 1)),
    ConvolutionCase(n: 1, c: 4, o: 4, h: 3, w: 3, kernel: (4, 4), stride: (2, 2), padding: (1, 1), groups: 2),
    ConvolutionCase(n: 2, c: 2, o: 2, h: 3, w: 3, kernel: (3, 3), stride: (2, 2), padding: (1, 1), outputPadding: (1, 1)),
    ConvolutionCase(n: 2, c: 2, o: 3, h: 3, w: 3, kernel: (3, 3), padding: (1, 1), dilation: (2, 2), outputPadding: (1, 0)),
    ConvolutionCase(n: 2, c: 4, o: 2, h: 4, w: 3, kernel: (1, 1), groups: 2),
    ConvolutionCase(n: 2, c: 2, o: 4, h: 3, w: 4, kernel: (3, 2), stride: (2, 1), padding: (1, 0), dilation: (2, 1), groups: 2),
    ConvolutionCase(n: 3, c: 3, o: 2, h: 1, w: 1, kernel: (4, 4)),  // dense: 1×1 → 4×4, as a generator's first layer
]

struct ConvolutionTests {
    // MARK: - PyTorch parity

    @Test func conv2dMatchesPyTorch() throws {
        let fixture = try Fixture("conv2d")
        #expect(fixture.cases.count >= 20)
        for name in fixture.cases {
            let p = fixture.parameters(name)
            let x = fixture["\(name).x"].requiringGradient(), w = fixture["\(name).w"].requiringGradient()
            let b = fixture.tensor(name, "b")?.requiringGradient()
            let y = x.conv2d(weight: w, bias: b, stride: pair(p["stride"], default: 1),
                             padding: pair(p["padding"], default: 0), dilation: pair(p["dilation"], default: 1),
                             groups: p["groups"] as? Int ?? 1)
            expectParity(name, p, y: y, inputs: [x, w] + (b.map { [$0] } ?? []), roles: ["x", "w", "b"], fixture)
        }
    }

    @Test func convTranspose2dMatchesPyTorch() throws {
        let fixture = try Fixture("conv_transpose2d")
        #expect(fixture.cases.count >= 20)
        for name in fixture.cases {
            let p = fixture.parameters(name)
            let x = fixture["\(name).x"].requiringGradient(), w = fixture["\(name).w"].requiringGradient()
            let b = fixture.tensor(name, "b")?.requiringGradient()
            let y = x.convTranspose2d(weight: w, bias: b, stride: pair(p["stride"], default: 1),
                                      padding: pair(p["padding"], default: 0),
                                      outputPadding: pair(p["output_padding"], default: 0),
                                      dilation: pair(p["dilation"], default: 1), groups: p["groups"] as? Int ?? 1)
            expectParity(name, p, y: y, inputs: [x, w] + (b.map { [$0] } ?? []), roles: ["x", "w", "b"], fixture)
        }
    }

    /// The forward value and the gradients of `(y * gy).sum()` against the fixture.
    func expectParity(
        _ name: String, _ p: [String: Any], y: Tensor, inputs: [Tensor], roles: [String], _ fixture: Fixture
    ) {
        let expected = fixture["\(name).y"]
        guard y.shape == expected.shape else {
            Issue.record("case \(name) \(p): shape \(y.shape), expected \(expected.shape)")
            return
        }
        let forward = relativeError(y, expected)
        #expect(forward <= 1e-4, "case \(name) \(p): forward error \(forward)")
        let grads = gradients(of: y, wrt: inputs, gradient: fixture["\(name).gy"])
        for (g, role) in zip(grads, roles) {
            let error = relativeError(g, fixture["\(name).d\(role)"])
            #expect(error <= 1e-4, "case \(name) \(p): d\(role) error \(error)")
        }
    }

    // MARK: - Finite differences

    @Test(arguments: convolutionCases)
    func conv2dGradients(_ c: ConvolutionCase) {
        var rng = RandomGenerator(seed: 11)
        let x = Tensor.randomNormal([c.n, c.c, c.h, c.w], using: &rng)
        let w = Tensor.randomNormal(c.convWeightShape, using: &rng)
        let b = Tensor.randomNormal([c.o], using: &rng)
        let check = checkGradients([x, w, b], epsilon: 1e-2) { c.conv($0[0], $0[1], $0[2]) }
        #expect(check.worstError < 5e-3, "\(check)")
    }

    @Test(arguments: transposeCases)
    func convTranspose2dGradients(_ c: ConvolutionCase) {
        var rng = RandomGenerator(seed: 12)
        let x = Tensor.randomNormal([c.n, c.c, c.h, c.w], using: &rng)
        let w = Tensor.randomNormal(c.transposeWeightShape, using: &rng)
        let b = Tensor.randomNormal([c.o], using: &rng)
        let check = checkGradients([x, w, b], epsilon: 1e-2) { c.convTranspose($0[0], $0[1], $0[2]) }
        #expect(check.worstError < 5e-3, "\(check)")
    }

    /// The weight-gradient primitive: its value against the convolution's own gradient, and
    /// its derivatives (it is bilinear in input and output gradient) by finite differences.
    @Test(arguments: convolutionCases)
    func weightGradientPrimitive(_ c: ConvolutionCase) {
        var rng = RandomGenerator(seed: 13)
        let x = Tensor.randomNormal([c.n, c.c, c.h, c.w], using: &rng)
        let w = Tensor.randomNormal(c.convWeightShape, using: &rng).requiringGradient()
        let y = c.conv(x, w)
        let gy = Tensor.randomNormal(y.shape, using: &rng)
        func weightGradient(_ input: Tensor, _ outputGradient: Tensor) -> Tensor {
            Tensor.conv2dWeightGradient(input: input, outputGradient: outputGradient, weightShape: c.convWeightShape,
                                        stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
        }
        let viaAutograd = gradients(of: y, wrt: [w], gradient: gy)[0]
        #expect(relativeError(weightGradient(x, gy), viaAutograd) < 1e-5)
        let check = checkGradients([x, gy], epsilon: 1e-2) { weightGradient($0[0], $0[1]) }
        #expect(check.worstError < 5e-3, "\(check)")
    }

    /// A convolution whose output rows beyond `OH` are dropped (the adjoint of a transposed
    /// convolution with output padding ≥ stride): the weight gradient with a short output.
    @Test func weightGradientWithCroppedOutput() {
        var rng = RandomGenerator(seed: 14)
        let x = Tensor.randomNormal([2, 2, 7, 6], using: &rng)
        let gy = Tensor.randomNormal([2, 3, 4, 5], using: &rng)  // natural output is 5×6
        let check = checkGradients([x, gy], epsilon: 1e-2) {
            Tensor.conv2dWeightGradient(input: $0[0], outputGradient: $0[1], weightShape: [3, 2, 3, 3],
                                        padding: (1, 1), dilation: (2, 1))
        }
        #expect(check.worstError < 5e-3, "\(check)")
    }

    // MARK: - Second order (gradient penalties differentiate through convolutions)

    @Test(arguments: [convolutionCases[0], convolutionCases[1], convolutionCases[2], convolutionCases[4]])
    func conv2dSecondOrder(_ c: ConvolutionCase) {
        var rng = RandomGenerator(seed: 21)
        let x = Tensor.randomNormal([c.n, c.c, c.h, c.w], using: &rng) * 0.5
        let w = Tensor.randomNormal(c.convWeightShape, using: &rng) * 0.5
        let check = checkGradients([x, w], epsilon: 1e-2, secondOrder: true) { c.conv($0[0], $0[1]).tanh() }
        #expect(check.worstError < 1e-2, "\(check)")
    }

    @Test(arguments: [transposeCases[0], transposeCases[1], transposeCases[3], transposeCases[5], transposeCases[6]])
    func convTranspose2dSecondOrder(_ c: ConvolutionCase) {
        var rng = RandomGenerator(seed: 22)
        let x = Tensor.randomNormal([c.n, c.c, c.h, c.w], using: &rng) * 0.5
        let w = Tensor.randomNormal(c.transposeWeightShape, using: &rng) * 0.5
        let check = checkGradients([x, w], epsilon: 1e-2, secondOrder: true) { c.convTranspose($0[0], $0[1]).tanh() }
        #expect(check.worstError < 1e-2, "\(check)")
    }

    /// A WGAN-GP-like penalty through conv → leaky ReLU → transposed conv, with respect to
    /// the weights of both.
    @Test func penaltyThroughConvolutionsReachesWeights() {
        var rng = RandomGenerator(seed: 23)
        let x = Tensor.randomNormal([2, 2, 6, 6], using: &rng) * 0.5
        let w1 = Tensor.randomNormal([3, 2, 4, 4], using: &rng) * 0.3
        let w2 = Tensor.randomNormal([3, 2, 3, 3], using: &rng) * 0.3
        let check = checkGradients([x, w1, w2], epsilon: 1e-2, secondOrder: true) { t in
            let h = t[0].conv2d(weight: t[1], stride: (2, 2), padding: (1, 1)).tanh()
            return h.convTranspose2d(weight: t[2], stride: (2, 2), padding: (1, 1), outputPadding: (1, 1)).square()
        }
        #expect(check.worstError < 1e-2, "\(check)")
    }

    // MARK: - Kernels

    /// Every chunking of the batch (one image at a time, several side by side, two threads)
    /// gives the same values.
    @Test func chunkingDoesNotChangeResults() {
        var rng = RandomGenerator(seed: 31)
        let n = 6
        // (stride, groups, kernel, padding, input size)
        for (stride, groups, kernel, padding, size) in [(1, 2, 3, 1, 12), (2, 1, 4, 1, 11), (1, 4, 1, 0, 11), (1, 1, 5, 0, 5)] {
            let out = ConvolutionGeometry.outputSize(input: size, kernel: kernel, stride: stride, padding: padding, dilation: 1)
            let g = ConvolutionGeometry(
                inputChannels: 8, inputHeight: size, inputWidth: size, outputChannels: 8, outputHeight: out, outputWidth: out,
                kernelHeight: kernel, kernelWidth: kernel, strideHeight: stride, strideWidth: stride,
                paddingHeight: padding, paddingWidth: padding, dilationHeight: 1, dilationWidth: 1, groups: groups)
            let x = Tensor.randomNormal([n, 8, size, size], using: &rng)
            let w = Tensor.randomNormal([8, 8 / groups, kernel, kernel], using: &rng)
            let gy = Tensor.randomNormal([n, 8, out, out], using: &rng)
            func run(_ chunk: Int?) -> [Tensor] {
                [Tensor(shape: gy.shape, storage: ConvolutionKernels.forward(
                    input: x.storage, weight: w.storage, batch: n, geometry: g, imagesPerChunk: chunk)),
                 Tensor(shape: x.shape, storage: ConvolutionKernels.adjoint(
                    output: gy.storage, weight: w.storage, batch: n, geometry: g, imagesPerChunk: chunk)),
                 Tensor(shape: w.shape, storage: ConvolutionKernels.weightGradient(
                    input: x.storage, outputGradient: gy.storage, batch: n, geometry: g, imagesPerChunk: chunk))]
            }
            let reference = run(1)
            for chunk in [2, 3, 6, nil] {
                for (a, b) in zip(run(chunk), reference) {
                    #expect(relativeError(a, b) < 1e-5, "\(g) chunk \(String(describing: chunk))")
                }
            }
            // And the one-image path (parallel GEMMs) on the first image.
            let single = ConvolutionKernels.forward(input: x.storage, weight: w.storage, batch: 1, geometry: g)
            let firstImage = Array(reference[0].scalars.prefix(g.outputCount))
            #expect(relativeError(Tensor(shape: [g.outputCount], storage: single), Tensor(firstImage)) < 1e-5)
        }
    }

    /// The values against a direct loop in Double (independent of im2col and GEMM).
    @Test func conv2dMatchesDirectLoop() {
        var rng = RandomGenerator(seed: 32)
        let (n, c, h, w, o, k, s, p, d, groups) = (2, 4, 9, 8, 6, 3, 2, 2, 2, 2)
        let x = Tensor.randomNormal([n, c, h, w], using: &rng)
        let weight = Tensor.randomNormal([o, c / groups, k, k], using: &rng)
        let y = x.conv2d(weight: weight, stride: (s, s), padding: (p, p), dilation: (d, d), groups: groups)
        let oh = (h + 2 * p - d * (k - 1) - 1) / s + 1, ow = (w + 2 * p - d * (k - 1) - 1) / s + 1
        #expect(y.shape == [n, o, oh, ow])
        #expect(relativeError(y, directConvolution(x, weight, stride: s, padding: p, dilation: d, groups: groups)) < 1e-5)
    }

    /// Without a graph, `conv2d(..., activation: .relu)` adds the bias and rectifies each block
    /// as the GEMM writes it, and images whose im2col matrix is large go in bands of output rows.
    /// Both must give the bits of the plain path: chunked forward (no bands), bias, ReLU.
    @Test(arguments: [
        // Banded: 3×3 pad 1, a 3×3 stride-2 stem, 1×7 and 7×1 as in Inception's 17×17 blocks;
        // then small images that are not banded, and a pointwise convolution.
        FusedCase(channels: 32, size: 60, kernel: (3, 3), stride: 1, padding: (1, 1)),
        FusedCase(channels: 16, size: 99, kernel: (3, 3), stride: 2, padding: (0, 0)),
        FusedCase(channels: 64, size: 40, kernel: (1, 7), stride: 1, padding: (0, 3)),
        FusedCase(channels: 64, size: 40, kernel: (7, 1), stride: 1, padding: (3, 0)),
        FusedCase(channels: 8, size: 9, kernel: (3, 3), stride: 1, padding: (1, 1)),
        FusedCase(channels: 8, size: 9, kernel: (1, 1), stride: 1, padding: (0, 0)),
    ])
    func fusedBiasReLUWithoutGraphMatchesPlainPath(_ c: FusedCase) {
        let (channels, size, kernel, stride, padding) = (c.channels, c.size, c.kernel, c.stride, c.padding)
        var rng = RandomGenerator(seed: 33)
        let (n, o) = (3, 12)
        let x = Tensor.randomNormal([n, channels, size, size], using: &rng)
        let w = Tensor.randomNormal([o, channels, kernel.0, kernel.1], using: &rng) * 0.1
        let b = Tensor.randomNormal([o], using: &rng)
        let fused = withoutGradients {
            x.conv2d(weight: w.requiringGradient(), bias: b, stride: (stride, stride), padding: padding, activation: .relu)
        }
        let oh = ConvolutionGeometry.outputSize(input: size, kernel: kernel.0, stride: stride, padding: padding.0, dilation: 1)
        let ow = ConvolutionGeometry.outputSize(input: size, kernel: kernel.1, stride: stride, padding: padding.1, dilation: 1)
        let g = ConvolutionGeometry(
            inputChannels: channels, inputHeight: size, inputWidth: size, outputChannels: o, outputHeight: oh, outputWidth: ow,
            kernelHeight: kernel.0, kernelWidth: kernel.1, strideHeight: stride, strideWidth: stride,
            paddingHeight: padding.0, paddingWidth: padding.1, dilationHeight: 1, dilationWidth: 1, groups: 1)
        let chunked = Tensor(shape: [n, o, oh, ow], storage: ConvolutionKernels.forward(
            input: x.storage, weight: w.storage, batch: n, geometry: g, imagesPerChunk: 2))
        let plain = (chunked + b.reshaped([1, o, 1, 1])).relu()
        #expect(!fused.requiresGradient && fused.shape == plain.shape)
        #expect(fused.scalars.map(\.bitPattern) == plain.scalars.map(\.bitPattern))
        // The recorded path (bands, no fusion) gives the same values, and both are a convolution.
        let recorded = x.requiringGradient().conv2d(weight: w, bias: b, stride: (stride, stride), padding: padding, activation: .relu)
        #expect(recorded.requiresGradient && recorded.scalars == plain.scalars)
        if kernel.0 == kernel.1 && padding.0 == padding.1 {
            let direct = (directConvolution(x, w, stride: stride, padding: padding.0) + b.reshaped([1, o, 1, 1])).relu()
            #expect(relativeError(fused, direct) < 1e-5)
        }
    }
}

/// One convolution of the fused inference test.
struct FusedCase: CustomTestStringConvertible, Sendable {
    var channels: Int, size: Int, kernel: (Int, Int), stride: Int, padding: (Int, Int)
    var testDescription: String { "C\(channels) \(size)² k\(kernel) s\(stride) p\(padding)" }
}
