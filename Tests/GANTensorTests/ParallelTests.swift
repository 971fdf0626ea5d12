import Dispatch
import Foundation
import Testing
@testable import GANTensor

/// The worker pool behind `Parallel.forEachChunk`: every chunk runs exactly once, whichever
/// thread runs it, also when calls nest or come from several threads at once.
struct ParallelTests {
    /// Adds 1 to every element of `0..<count` through `forEachChunk`; an element seen twice
    /// or never shows a chunk run twice or lost.
    static func countVisits(_ count: Int, rounds: Int, nested: Bool = false) -> [Int] {
        var visits = [Int](repeating: 0, count: count)
        visits.withUnsafeMutableBufferPointer { v in
            let p = v.baseAddress!
            for _ in 0..<rounds {
                Parallel.forEachChunk(count, costPerItem: Parallel.minimumParallelWork) { range in
                    if nested {
                        Parallel.forEachChunk(range.count, costPerItem: Parallel.minimumParallelWork) { inner in
                            for i in inner { p[range.lowerBound + i] += 1 }
                        }
                    } else {
                        for i in range { p[i] += 1 }
                    }
                }
            }
        }
        return visits
    }

    @Test func everyChunkRunsOnce() {
        for count in [1, 2, 3, 7, 64, 1001] {
            #expect(Self.countVisits(count, rounds: 300) == [Int](repeating: 300, count: count))
        }
    }

    @Test func nestedCallsRunOnTheCallingThread() {
        #expect(Self.countVisits(97, rounds: 200, nested: true) == [Int](repeating: 200, count: 97))
    }

    @Test func callsFromSeveralThreadsAtOnce() {
        let results = UnsafeMutableBufferPointer<Bool>.allocate(capacity: 6)
        defer { results.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 6) { t in
            results[t] = Self.countVisits(50 + t, rounds: 200) == [Int](repeating: 200, count: 50 + t)
        }
        #expect(results.allSatisfy { $0 })
    }

    /// With two threads or more, the pool's workers take chunks: a broken pool would leave
    /// every chunk to the caller and still give the right sums.
    @Test func workersTakeChunks() {
        guard Parallel.threadCount >= 2 else { return }
        let caller = pthread_self()
        let others = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        defer { others.deallocate() }
        others.pointee = 0
        let lock = NSLock()
        for _ in 0..<2000 where others.pointee == 0 {
            Parallel.forEachChunk(Parallel.threadCount, costPerItem: Parallel.minimumParallelWork) { _ in
                var x = 0.0
                for i in 0..<20_000 { x += Double(i).squareRoot() }
                if pthread_equal(pthread_self(), caller) == 0 && x > 0 {
                    lock.lock()
                    others.pointee += 1
                    lock.unlock()
                }
            }
        }
        #expect(others.pointee > 0)
    }
}
