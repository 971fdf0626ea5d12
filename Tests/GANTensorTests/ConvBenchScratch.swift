// TEMPORARY timing scratch (not to be committed).
import Testing
import Foundation
@testable import GANTensor

struct ConvBenchScratch {
    struct Layer { var name: String; var transpose: Bool; var cin: Int; var cout: Int; var h: Int; var k: Int; var s: Int; var p: Int; var bias: Bool }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["GAN_CONV_BENCH"] != nil))
    func timeLayers() {
        let layers: [Layer] = [
            Layer(name: "dcgan28 D conv1 1->64 28->14", transpose: false, cin: 1, cout: 64, h: 28, k: 4, s: 2, p: 1, bias: true),
            Layer(name: "dcgan28 D conv2 64->128 14->7", transpose: false, cin: 64, cout: 128, h: 14, k: 4, s: 2, p: 1, bias: true),
            Layer(name: "dcgan28 G convT1 128->64 7->14", transpose: true, cin: 128, cout: 64, h: 7, k: 4, s: 2, p: 1, bias: true),
            Layer(name: "dcgan28 G convT2 64->1 14->28", transpose: true, cin: 64, cout: 1, h: 14, k: 4, s: 2, p: 1, bias: true),
            Layer(name: "dcgan64 G convT 100->512 1->4", transpose: true, cin: 100, cout: 512, h: 1, k: 4, s: 1, p: 0, bias: false),
            Layer(name: "dcgan64 G convT 512->256 4->8", transpose: true, cin: 512, cout: 256, h: 4, k: 4, s: 2, p: 1, bias: false),
            Layer(name: "dcgan64 G convT 256->128 8->16", transpose: true, cin: 256, cout: 128, h: 8, k: 4, s: 2, p: 1, bias: false),
            Layer(name: "dcgan64 G convT 128->64 16->32", transpose: true, cin: 128, cout: 64, h: 16, k: 4, s: 2, p: 1, bias: false),
            Layer(name: "dcgan64 G convT 64->3 32->64", transpose: true, cin: 64, cout: 3, h: 32, k: 4, s: 2, p: 1, bias: false),
            Layer(name: "dcgan64 D conv 3->64 64->32", transpose: false, cin: 3, cout: 64, h: 64, k: 4, s: 2, p: 1, bias: false),
            Layer(name: "dcgan64 D conv 64->128 32->16", transpose: false, cin: 64, cout: 128, h: 32, k: 4, s: 2, p: 1, bias: false),
            Layer(name: "dcgan64 D conv 128->256 16->8", transpose: false, cin: 128, cout: 256, h: 16, k: 4, s: 2, p: 1, bias: false),
            Layer(name: "dcgan64 D conv 256->512 8->4", transpose: false, cin: 256, cout: 512, h: 8, k: 4, s: 2, p: 1, bias: false),
            Layer(name: "dcgan64 D conv 512->1 4->1", transpose: false, cin: 512, cout: 1, h: 4, k: 4, s: 1, p: 0, bias: false),
        ]
        let filter = ProcessInfo.processInfo.environment["GAN_CONV_BENCH"] ?? ""
        var rng = RandomGenerator(seed: 1)
        let n = 64
        print("backend: \(GEMM.backendDescription), threads \(Parallel.threadCount)")
        do {
            let a = Tensor.randomNormal([1024, 1024], using: &rng), bb = Tensor.randomNormal([1024, 1024], using: &rng)
            let c = TensorStorage(uninitializedCount: 1024 * 1024)
            for parallel in [true, false] {
                var best = 1e9
                for _ in 0..<4 {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    GEMM.multiply(m: 1024, n: 1024, k: 1024, a: a.storage.base, lda: 1024, b: bb.storage.base, ldb: 1024, c: c.base, ldc: 1024, parallel: parallel)
                    best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
                }
                print(String(format: "GEMM 1024^3 parallel=\(parallel): %.1f ms = %.1f GFLOP/s", best, 2.147 / best * 1000))
            }
        }
        var totals = (0.0, 0.0)
        var cpuTotal = 0.0
        if ProcessInfo.processInfo.environment["GAN_CONV_TORCHSTYLE"] != nil {
            func median(_ body: () -> Void) -> Double {
                body(); body()
                var ts: [Double] = []
                for _ in 0..<10 {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    body()
                    ts.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
                }
                ts.sort()
                return (ts[4] + ts[5]) / 2
            }
            for l in layers where filter == "1" || l.name.contains(filter) {
                let x = Tensor.randomNormal([n, l.cin, l.h, l.h], using: &rng).requiringGradient()
                let w = (Tensor.randomNormal(l.transpose ? [l.cin, l.cout, l.k, l.k] : [l.cout, l.cin, l.k, l.k], using: &rng) * 0.02).requiringGradient()
                let b = l.bias ? Tensor.zeros([l.cout]).requiringGradient() : nil
                func apply() -> Tensor {
                    l.transpose ? x.convTranspose2d(weight: w, bias: b, stride: (l.s, l.s), padding: (l.p, l.p))
                                : x.conv2d(weight: w, bias: b, stride: (l.s, l.s), padding: (l.p, l.p))
                }
                let gy = Tensor.randomNormal(apply().shape, using: &rng)
                let inputs = [x, w] + (b.map { [$0] } ?? [])
                let f = median { _ = withoutGradients { apply() } }
                let t = median { _ = gradients(of: apply(), wrt: inputs, gradient: gy) }
                print(String(format: "| %@ | %.2f | %.2f | %.2f |", l.name, f, Swift.max(0, t - f), Swift.max(t, f)))
            }
            return
        }
        for l in layers where filter == "1" || l.name.contains(filter) {
            let x = Tensor.randomNormal([n, l.cin, l.h, l.h], using: &rng).requiringGradient()
            let w = Tensor.randomNormal(l.transpose ? [l.cin, l.cout, l.k, l.k] : [l.cout, l.cin, l.k, l.k], using: &rng).requiringGradient()
            let b = l.bias ? Tensor.randomNormal([l.cout], using: &rng).requiringGradient() : nil
            func forward() -> Tensor {
                l.transpose ? x.convTranspose2d(weight: w, bias: b, stride: (l.s, l.s), padding: (l.p, l.p))
                            : x.conv2d(weight: w, bias: b, stride: (l.s, l.s), padding: (l.p, l.p))
            }
            let y0 = forward()
            let gy = Tensor.randomNormal(y0.shape, using: &rng)
            func cpu() -> Double {
                var u = rusage(); getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
                return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3
            }
            var cpuTimes: [Double] = []
            func time(_ body: () -> Void) -> Double {
                body(); body()
                var samples: [Double] = []
                var cpus: [Double] = []
                for _ in 0..<9 {
                    let c0 = cpu()
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    body()
                    samples.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
                    cpus.append(cpu() - c0)
                }
                cpuTimes.append(cpus.sorted()[cpus.count / 2])
                return samples.min()!
            }
            let fwd = time { _ = forward() }
            let inputs = [x, w] + (b.map { [$0] } ?? [])
            let bwd = time { _ = gradients(of: y0, wrt: inputs, gradient: gy) }
            let dxOnly = time { _ = gradients(of: y0, wrt: [x], gradient: gy) }
            let dwOnly = time { _ = gradients(of: y0, wrt: [w], gradient: gy) }
            totals.0 += fwd; totals.1 += bwd
            cpuTotal += cpuTimes[0] + cpuTimes[1]
            if ProcessInfo.processInfo.environment["GAN_CONV_DETAIL"] != nil && !l.transpose {
                let oh = (l.h + 2 * l.p - l.k) / l.s + 1
                let g = ConvolutionGeometry(inputChannels: l.cin, inputHeight: l.h, inputWidth: l.h, outputChannels: l.cout, outputHeight: oh, outputWidth: oh, kernelHeight: l.k, kernelWidth: l.k, strideHeight: l.s, strideWidth: l.s, paddingHeight: l.p, paddingWidth: l.p, dilationHeight: 1, dilationWidth: 1, groups: 1)
                let plan = ConvolutionKernels.Plan(batch: n, geometry: g)
                let cols = plan.imagesPerChunk * g.outputPlane
                let chunks = (n + plan.imagesPerChunk - 1) / plan.imagesPerChunk
                let col = TensorStorage(zeros: g.patchRows * cols)
                let out = TensorStorage(uninitializedCount: l.cout * cols)
                let tIm2col = time { for i in 0..<n { ConvolutionKernels.im2col(x.storage.base + i * g.inputCount, g, into: col.base + (i % plan.imagesPerChunk) * g.outputPlane, ld: cols) } }
                let tGemm = time { for _ in 0..<chunks { GEMM.multiply(m: l.cout, n: cols, k: g.patchRows, a: w.storage.base, lda: g.patchRows, b: col.base, ldb: cols, c: out.base, ldc: cols, parallel: false) } }
                let flops = 2.0 * Double(l.cout * cols * g.patchRows * chunks)
                print(String(format: "   chunk %d imgs (ld %d), %d chunks: im2col all %.2f ms; GEMM %d x %d x %d all chunks 1 thread: %.2f ms (%.0f GFLOP/s)", plan.imagesPerChunk, cols, chunks, tIm2col, l.cout, cols, g.patchRows, tGemm, flops / tGemm / 1e6))
            }
            print(String(format: "%-34@ fwd %7.2f ms  bwd %7.2f ms  (dx %6.2f, dw %6.2f)  cpu fwd %6.1f bwd %6.1f", l.name as NSString, fwd, bwd, dxOnly, dwOnly, cpuTimes[0], cpuTimes[1]))
        }
        print(String(format: "total fwd %.1f bwd %.1f cpu fwd+bwd %.1f", totals.0, totals.1, cpuTotal))
    }
}
