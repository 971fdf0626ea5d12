// TEMPORARY timing scratch (not to be committed).
import Testing
import Foundation
import GANKernels
@testable import GANTensor

struct ConvBenchScratch2 {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["GAN_IM2COL_BENCH"] != nil))
    func timeIm2col() {
        var rng = RandomGenerator(seed: 1)
        for (c, h, k, s, p) in [(1, 28, 4, 2, 1), (64, 14, 4, 2, 1), (3, 64, 4, 2, 1), (64, 32, 4, 2, 1), (128, 16, 4, 2, 1), (256, 8, 4, 2, 1), (64, 16, 4, 2, 1)] {
            let oh = (h + 2 * p - k) / s + 1
            let g = ConvolutionGeometry(inputChannels: c, inputHeight: h, inputWidth: h, outputChannels: 8, outputHeight: oh, outputWidth: oh, kernelHeight: k, kernelWidth: k, strideHeight: s, strideWidth: s, paddingHeight: p, paddingWidth: p, dilationHeight: 1, dilationWidth: 1, groups: 1)
            let n = Int(ProcessInfo.processInfo.environment["GAN_IM2COL_BENCH"]!)!
            let x = Tensor.randomNormal([n, c, h, h], using: &rng)
            let col = TensorStorage(uninitializedCount: g.patchRows * g.outputPlane * n)
            func time(_ body: () -> Void) -> Double {
                body()
                var best = 1e9
                for _ in 0..<9 {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    body()
                    best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
                }
                return best
            }
            let tC = time { for i in 0..<n { gk_im2col(x.storage.base + i * g.inputCount, g.inputChannels, g.inputHeight, g.inputWidth, g.kernelHeight, g.kernelWidth, g.strideHeight, g.strideWidth, g.paddingHeight, g.paddingWidth, g.dilationHeight, g.dilationWidth, g.outputHeight, g.outputWidth, col.base + i * g.patchRows * g.outputPlane) } }
            let tS = time { for i in 0..<n { ConvolutionKernels.im2col(x.storage.base + i * g.inputCount, g, into: col.base + i * g.outputPlane, ld: n * g.outputPlane) } }
            let xo = TensorStorage(zeros: n * g.inputCount)
            let tC2 = time { for i in 0..<n { gk_col2im(col.base + i * g.patchRows * g.outputPlane, g.inputChannels, g.inputHeight, g.inputWidth, g.kernelHeight, g.kernelWidth, g.strideHeight, g.strideWidth, g.paddingHeight, g.paddingWidth, g.dilationHeight, g.dilationWidth, g.outputHeight, g.outputWidth, xo.base + i * g.inputCount) } }
            let tS2 = time { for i in 0..<n { ConvolutionKernels.col2im(col.base + i * g.outputPlane, ld: n * g.outputPlane, g, into: xo.base + i * g.inputCount) } }
            let elems = Double(g.patchRows * g.outputPlane * n)
            print(String(format: "C%d H%d k%d s%d: im2col C %.2f ms (%.2f ns/el) swift %.2f ms (%.2f); col2im C %.2f swift %.2f", c, h, k, s, tC, tC * 1e6 / elems, tS, tS * 1e6 / elems, tC2, tS2))
        }
    }
}
