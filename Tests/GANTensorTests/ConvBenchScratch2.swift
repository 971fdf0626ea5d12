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

    @Test(.enabled(if: ProcessInfo.processInfo.environment["GAN_POOL_BENCH"] != nil))
    func timePooling() {
        var rng = RandomGenerator(seed: 1)
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
        for shape in [[64, 64, 32, 32], [64, 128, 16, 16]] {
            let x = Tensor.randomNormal(shape, using: &rng).requiringGradient()
            let ops: [(String, (Tensor) -> Tensor)] = [
                ("down2x", { $0.downsampled2x() }),
                ("avg3s1p1", { $0.avgPool2d(kernelSize: (3, 3), stride: (1, 1), padding: (1, 1)) }),
                ("max2", { $0.maxPool2d(kernelSize: (2, 2)) }),
                ("max3s2p1", { $0.maxPool2d(kernelSize: (3, 3), stride: (2, 2), padding: (1, 1)) }),
                ("nearest2", { $0.upsampledNearest(scale: 2) }),
                ("bilinear2", { $0.upsampledBilinear(scale: 2) }),
                ("bilinear2 ac", { $0.upsampledBilinear(scale: 2, alignCorners: true) }),
            ]
            for (name, op) in ops {
                let y = op(x)
                let gy = Tensor.randomNormal(y.shape, using: &rng)
                let f = time { _ = op(x) }
                let b = time { _ = gradients(of: y, wrt: [x], gradient: gy) }
                let copy = time { _ = x * 1.0 }
                print(String(format: "%@ %@: fwd %.2f ms bwd %.2f ms (x*1: %.2f ms)", "\(shape)", name, f, b, copy))
            }
        }
    }
}

struct PoolKernelScratch {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["GAN_POOLK_BENCH"] != nil))
    func timePoolKernels() {
        var rng = RandomGenerator(seed: 1)
        let x = Tensor.randomNormal([64, 64, 32, 32], using: &rng)
        let g = PoolingGeometry(inputHeight: 32, inputWidth: 32, outputHeight: 16, outputWidth: 16, kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2, paddingHeight: 0, paddingWidth: 0)
        func cpu() -> Double {
            var u = rusage(); getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
            return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3
        }
        func time(_ name: String, _ body: () -> Void) {
            body()
            let c0 = cpu()
            let t0 = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<20 { body() }
            print(String(format: "%@: wall %.2f ms cpu %.2f ms per call", name, Double(DispatchTime.now().uptimeNanoseconds - t0) / 20e6, (cpu() - c0) / 20))
        }
        time("avg kernel") { _ = PoolingKernels.averagePool(x.storage, planes: 4096, geometry: g, divisor: .kernelArea) }
        time("avg kernel validTaps") { _ = PoolingKernels.averagePool(x.storage, planes: 4096, geometry: g, divisor: .fixed(3)) }
        time("max kernel") { _ = PoolingKernels.maxPool(x.storage, planes: 4096, geometry: g) }
        let sorted = Tensor.arange(0, Float(64 * 64 * 32 * 32)).reshaped([64, 64, 32, 32])
        time("max kernel sorted") { _ = PoolingKernels.maxPool(sorted.storage, planes: 4096, geometry: g) }
        time("max op") { _ = x.maxPool2d(kernelSize: (2, 2)) }
        let xg = x.requiringGradient()
        time("max op grad") { _ = xg.maxPool2d(kernelSize: (2, 2)) }
        time("indices array") { _ = [Int32](repeating: 0, count: 1 << 20) }
    }
}
