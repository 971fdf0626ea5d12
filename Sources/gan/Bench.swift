import ArgumentParser
import Foundation
import GANTensor

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure kernel speed and memory behaviour on this machine.",
        discussion: """
        Compare with PyTorch on the same machine in the same sitting:
        scripts/bench_sitting.sh runs `gan bench train`, `generate` and `eval` and
        their PyTorch counterparts (scripts/torch_*_bench.py) in turn and prints the
        ratios; scripts/torch_layer_bench.py times the layers of `gan bench kernels`.
        Ratios measured together are meaningful; absolute times drift between
        machines.
        """,
        subcommands: [BenchKernels.self, BenchTrain.self, BenchGenerate.self, BenchEval.self, BenchMemory.self]
    )
}

/// Median wall time of `body` in milliseconds over `iterations` runs after `warmup` runs.
func medianMilliseconds(warmup: Int = 2, iterations: Int, _ body: () -> Void) -> Double {
    medianTimes(warmup: warmup, iterations: iterations, body).wall
}

/// Median wall and process CPU times of `body` in milliseconds. CPU time (all threads) is
/// what a busy machine distorts least; wall time is what a user waits.
func medianTimes(warmup: Int = 2, iterations: Int, _ body: () -> Void) -> (wall: Double, cpu: Double) {
    let timings = BenchTimings(warmup: warmup, iterations: iterations, body)
    return (timings.median, timings.cpuMedian)
}

struct BenchKernels: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "GEMM GFLOP/s and forward+backward times of the dcgan28/dcgan64 conv layers.",
        discussion: """
        Examples:
          gan bench kernels
          GAN_BLAS=builtin gan bench kernels --gemm-only
          gan bench kernels --compare-builtin --gemm-only
          GAN_NUM_THREADS=1 gan bench kernels --sizes 512,1024
          gan bench kernels --sizes 1024 --layers dcgan28
        """
    )

    @Option(help: "Square GEMM sizes to time.")
    var sizes: String = "256,512,1024,2048"

    @Option(help: "Batch size for the convolution layers.")
    var batchSize: Int = 64

    @Option(help: "Timed iterations per measurement (median reported).")
    var iterations: Int = 10

    @Option(help: "Only the conv layers whose model or name contains this text (e.g. dcgan28, conv2).")
    var layers: String?

    @Flag(help: "Only the GEMM table.")
    var gemmOnly = false

    @Flag(help: "Also time the other GEMM backend (OpenBLAS or the built-in one), when available.")
    var compareBuiltin = false

    func validate() throws {
        guard iterations > 0 else { throw ValidationError("--iterations must be positive") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        guard sizes.split(separator: ",").allSatisfy({ Int($0).map { $0 > 0 } ?? false }) else {
            throw ValidationError("--sizes must be a comma-separated list of positive integers, got '\(sizes)'")
        }
    }

    func run() throws {
        print("matrix products: \(GEMM.backendDescription); kernels: \(Kernels.instructionSet); threads: \(Parallel.threadCount)")
        var backends: [(String, GEMM.Backend)] = [(GEMM.backendDescription, GEMM.backend)]
        if compareBuiltin {
            let other: GEMM.Backend? = GEMM.backend == .builtin ? GEMM.blasBackend : .builtin
            if let other { backends.append((GEMM.describe(other), other)) }
        }
        print("\nGEMM, C = A·B, n×n fp32")
        print("| n | " + backends.map(\.0).joined(separator: " GFLOP/s | ") + " GFLOP/s |")
        print("|---|" + backends.map { _ in "---|" }.joined())
        for n in sizes.split(separator: ",").compactMap({ Int($0) }) {
            var rng = RandomGenerator(seed: 1)
            let a = Tensor.randomNormal([n, n], using: &rng), b = Tensor.randomNormal([n, n], using: &rng)
            let c = TensorStorage(zeros: n * n)
            var row = "| \(n) |"
            for (_, backend) in backends {
                let reps = n <= 512 ? 20 : (n <= 1024 ? 8 : 3)
                let ms = medianMilliseconds(iterations: Swift.max(iterations, reps)) {
                    GEMM.multiply(m: n, n: n, k: n, a: a.storage.base, lda: n, b: b.storage.base, ldb: n,
                                  c: c.base, ldc: n, backend: backend)
                }
                row += String(format: " %.1f |", 2 * Double(n) * Double(n) * Double(n) / (ms * 1e6))
            }
            print(row)
        }
        if gemmOnly { return }
        print("\nConvolution layers, batch \(batchSize): forward and backward (input and weight gradients), ms;")
        print("CPU = process CPU time of forward + backward, all threads")
        print("| model | layer | forward | backward | total | CPU |")
        print("|---|---|---|---|---|---|")
        let selected = ConvLayerSpec.benchmarkLayers.filter { layer in
            layers.map { layer.model.contains($0) || layer.name.contains($0) } ?? true
        }
        for layer in selected {
            let t = layer.time(batchSize: batchSize, iterations: iterations)
            print(String(format: "| %@ | %@ | %.2f | %.2f | %.2f | %.2f |", layer.model, layer.name, t.forward,
                         t.backward, t.forward + t.backward, t.cpu))
        }
    }
}

struct BenchMemory: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory",
        abstract: "Run forward, backward and an SGD update on a small network and report resident memory.",
        discussion: """
        A graph must be freed when its last tensor goes: resident memory stays flat.
        Example: gan bench memory --steps 10000
        """
    )

    @Option(help: "Training steps.")
    var steps: Int = 10_000

    @Option(help: "Report every this many steps.")
    var every: Int = 1_000

    func validate() throws {
        guard steps > 0, every > 0 else { throw ValidationError("--steps and --every must be positive") }
    }

    func run() throws {
        var rng = RandomGenerator(seed: 0)
        var w1 = (Tensor.randomNormal([64, 128], using: &rng) * 0.1).requiringGradient()
        var w2 = (Tensor.randomNormal([128, 1], using: &rng) * 0.1).requiringGradient()
        let x = Tensor.randomNormal([32, 64], using: &rng)
        let target = Tensor.randomNormal([32, 1], using: &rng)
        print("| step | loss | resident MiB |")
        print("|---|---|---|")
        for step in 1...steps {
            let h = x.matmul(w1).leakyRelu(negativeSlope: 0.2)
            let loss = (h.matmul(w2) - target).square().mean()
            // A penalty on the input gradient exercises the double-backward graph too.
            let gx = gradients(of: loss, wrt: [w1], createGraph: true)[0]
            let total = loss + 1e-3 * gx.square().sum()
            let g = gradients(of: total, wrt: [w1, w2])
            w1 = withoutGradients { w1 - 0.01 * g[0] }.requiringGradient()
            w2 = withoutGradients { w2 - 0.01 * g[1] }.requiringGradient()
            if step % every == 0 || step == 1 {
                print(String(format: "| %d | %.5f | %.1f |", step, loss.item, residentMiB()))
            }
        }
    }
}

/// Resident set size of this process, from /proc/self/statm.
func residentMiB() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return .nan }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Double(fields[1]) else { return .nan }
    return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
}
