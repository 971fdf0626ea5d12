import Foundation
import GANTensor
#if canImport(Glibc)
import Glibc
#endif

// What every `gan bench` command measures and reports the same way as the PyTorch scripts
// (scripts/torch_*_bench.py): wall times of repeated runs, the peak resident memory of the
// process, and the machine the figures came from.

/// Wall and process CPU times of repeated runs of one piece of work, in milliseconds.
struct BenchTimings {
    /// Wall time of each timed run, in the order they ran.
    let wall: [Double]
    /// Process CPU time (all threads) of each timed run.
    let cpu: [Double]

    /// Times `body`: `warmup` untimed runs, then `iterations` timed ones.
    init(warmup: Int, iterations: Int, _ body: () throws -> Void) rethrows {
        precondition(iterations > 0, "BenchTimings: iterations must be positive, got \(iterations)")
        for _ in 0..<warmup { try body() }
        var wall: [Double] = [], cpu: [Double] = []
        for _ in 0..<iterations {
            let start = DispatchTime.now().uptimeNanoseconds, cpuStart = processCPUNanoseconds()
            try body()
            cpu.append(Double(processCPUNanoseconds() - cpuStart) / 1e6)
            wall.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        self.wall = wall
        self.cpu = cpu
    }

    /// The median (the upper middle value for an even count, as `medianTimes` always took).
    static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

    var median: Double { Self.median(wall) }
    var min: Double { wall.min()! }
    var max: Double { wall.max()! }
    /// The mean: what a lazily regularised step (R1 every 16 steps) costs on average.
    var mean: Double { wall.reduce(0, +) / Double(wall.count) }
    var cpuMedian: Double { Self.median(cpu) }

    /// `12.3 (11.9–14.0)`: the median and the range.
    func describe(decimals: Int = 1) -> String {
        String(format: "%.\(decimals)f (%.\(decimals)f–%.\(decimals)f)", median, min, max)
    }

    /// The fields every bench JSON row has, with the names torch_bench.py uses.
    var jsonObject: [String: Any] {
        ["n": wall.count, "median_ms": median, "min_ms": min, "max_ms": max, "mean_ms": mean,
         "cpu_median_ms": cpuMedian, "wall_ms": wall]
    }
}

/// CPU time used by every thread of this process so far.
func processCPUNanoseconds() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
}

/// The process's resident memory from `/proc/self/status`: now (`VmRSS`) and its peak
/// (`VmHWM`). Linux resets the peak to the current size when `5` is written to
/// `/proc/self/clear_refs` (since 4.0), which gives a peak per model within one process.
enum ResidentMemory {
    /// How `peak` was measured, for the JSON: per model when the reset works, else since start.
    static var method: String {
        resetWorks
            ? "VmHWM of /proc/self/status, reset per model (cached tensor blocks released, malloc_trim, then 5 > /proc/self/clear_refs); includes the process's own baseline"
            : "VmHWM of /proc/self/status since the process started (this kernel refused the reset through /proc/self/clear_refs)"
    }

    /// Whether the kernel accepted a reset of the peak (tried once).
    static let resetWorks: Bool = resetPeak()

    /// Hands freed heap back to the system, then sets the peak to the current resident size.
    @discardableResult
    static func resetPeak() -> Bool {
        TensorStorage.releaseCachedBlocks()
        trimHeap()
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        do { try handle.write(contentsOf: Data("5".utf8)) } catch { return false }
        return true
    }

    /// glibc's `malloc_trim(0)`, looked up at run time (Swift's Glibc module does not export
    /// it); nothing elsewhere.
    private static func trimHeap() {
        #if canImport(Glibc)
        typealias Trim = @convention(c) (Int) -> Int32
        guard let process = dlopen(nil, RTLD_NOW), let symbol = dlsym(process, "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
        #endif
    }

    /// `VmRSS`, MiB.
    static var currentMiB: Double { field("VmRSS") }
    /// `VmHWM`, MiB.
    static var peakMiB: Double { field("VmHWM") }

    /// A `kB` field of /proc/self/status in MiB, NaN where there is none (not Linux).
    private static func field(_ name: String) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return .nan }
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            let number = line.dropFirst(name.count + 1).split(whereSeparator: \.isWhitespace).first.flatMap { Double($0) }
            return (number ?? .nan) / 1024
        }
        return .nan
    }

    /// Runs `body` and returns its result with the resident size before it and the peak during it.
    static func measure<T>(_ body: () throws -> T) rethrows -> (result: T, baselineMiB: Double, peakMiB: Double) {
        if resetWorks { resetPeak() }
        let baseline = currentMiB
        let result = try body()
        return (result, baseline, peakMiB)
    }
}

/// Where and when the figures were measured: the CPU as /proc/cpuinfo names it, the kernel path
/// the engine took, threads, the load average, the date.
struct BenchMachine {
    var cpuModel = BenchMachine.cpuModelName()
    var logicalCPUs = ProcessInfo.processInfo.activeProcessorCount
    var threads = Parallel.threadCount
    var kernels = Kernels.instructionSet
    var matrixProducts = GEMM.backendDescription
    var loadAverage = BenchMachine.loadAverage()
    var date = Date()

    /// The first `model name` of /proc/cpuinfo (on ARM, `CPU part`/`Hardware`), or `unknown`.
    static func cpuModelName() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        for key in ["model name", "Hardware", "CPU part"] {
            for line in text.split(separator: "\n") where line.hasPrefix(key) {
                if let colon = line.firstIndex(of: ":") {
                    return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return "unknown"
    }

    /// The 1, 5 and 15 minute load averages of /proc/loadavg.
    static func loadAverage() -> [Double] {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return [] }
        return text.split(separator: " ").prefix(3).compactMap { Double($0) }
    }

    var dateText: String { ISO8601DateFormatter().string(from: date) }

    /// One line for the top of a table.
    var summary: String {
        "cpu: \(cpuModel) (\(logicalCPUs) logical); threads: \(threads); kernels: \(kernels); matrix products: \(matrixProducts)\n"
            + "date: \(dateText); load average: " + loadAverage.map { String(format: "%.2f", $0) }.joined(separator: " ")
    }

    var jsonObject: [String: Any] {
        ["cpu": cpuModel, "logical_cpus": logicalCPUs, "threads": threads, "kernels": kernels,
         "matrix_products": matrixProducts, "load_average": loadAverage, "date": dateText,
         "version": GANTensorVersion.string, "peak_memory_method": ResidentMemory.method]
    }
}

/// Prints `object` as JSON on standard output (keys sorted, so runs diff well).
func printJSON(_ object: [String: Any]) throws {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}
