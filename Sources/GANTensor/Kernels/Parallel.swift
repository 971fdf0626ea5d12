import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How many threads kernels may use, and the helper that splits loops across them.
///
/// The count comes from `GAN_NUM_THREADS` (default 2, never more than the cores).
/// Loops run in parallel only above a work threshold: on two cores,
/// `concurrentPerform` over a small job often runs both halves on one thread.
public enum Parallel {
    /// The number of threads kernels use.
    public static let threadCount: Int = {
        let cores = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        if let text = getenv("GAN_NUM_THREADS").map({ String(cString: $0) }), let n = Int(text), n > 0 {
            return min(n, 64)
        }
        return min(2, cores)
    }()

    /// Work below this many element-operations runs on the calling thread.
    public static let minimumParallelWork = 1 << 15

    /// Splits `0..<count` into at most `threadCount` contiguous chunks and runs `body(range)`
    /// on each, in parallel when `count * costPerItem` is large enough.
    @inline(__always)
    public static func forEachChunk(
        _ count: Int, costPerItem: Int = 1, _ body: (Range<Int>) -> Void
    ) {
        let work = count &* max(costPerItem, 1)
        let chunks = min(threadCount, count)
        if chunks <= 1 || work < minimumParallelWork {
            if count > 0 { body(0..<count) }
            return
        }
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let lo = count * c / chunks
                let hi = count * (c + 1) / chunks
                if lo < hi { body(lo..<hi) }
            }
        }
    }

    /// Runs `body(i)` for every `i` in `0..<count`, split as `forEachChunk` does.
    @inline(__always)
    public static func forEach(_ count: Int, costPerItem: Int = 1, _ body: (Int) -> Void) {
        forEachChunk(count, costPerItem: costPerItem) { range in
            for i in range { body(i) }
        }
    }
}
