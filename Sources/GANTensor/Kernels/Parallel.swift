import GANKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How many threads kernels may use, and the helper that splits loops across them.
///
/// The count comes from `GAN_NUM_THREADS` (default 2, never more than the cores).
/// Loops run in parallel only above a work threshold, on pooled workers that spin between
/// jobs (`gk_parallel_run`): a worker woken from sleep for each of a step's hundreds of
/// short loops often arrives after the caller has done all the work alone.
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
            var job = Job(count: count, chunks: chunks, body: body)
            withUnsafeMutablePointer(to: &job) { job in
                gk_parallel_run(threadCount, chunks, { context, c in
                    let job = context!.assumingMemoryBound(to: Job.self)
                    let lo = job.pointee.count * c / job.pointee.chunks
                    let hi = job.pointee.count * (c + 1) / job.pointee.chunks
                    if lo < hi { job.pointee.body(lo..<hi) }
                }, job)
            }
        }
    }

    private struct Job {
        let count: Int
        let chunks: Int
        let body: (Range<Int>) -> Void
    }

    /// Runs `body(i)` for every `i` in `0..<count`, split as `forEachChunk` does.
    @inline(__always)
    public static func forEach(_ count: Int, costPerItem: Int = 1, _ body: (Int) -> Void) {
        forEachChunk(count, costPerItem: costPerItem) { range in
            for i in range { body(i) }
        }
    }
}
