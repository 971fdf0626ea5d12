import Foundation
import GANTensor

/// Ranks as threads of one process, for tests of what a data-parallel run computes without
/// MPI: `ThreadCommunicator.run(ranks: 2) { communicator in … }` runs the body once per rank,
/// concurrently, and returns each rank's result in rank order. Sums add the ranks'
/// contributions in rank order (the same bits every run).
public final class ThreadCommunicator: Communicator {
    public let rank: Int
    public let size: Int
    private let group: Group

    final class Group: @unchecked Sendable {
        let size: Int
        let condition = NSCondition()
        var contributions: [[Double]]
        var result: [Double] = []
        var arrived = 0
        var generation = 0

        init(size: Int) {
            self.size = size
            contributions = Array(repeating: [], count: size)
        }

        func sum(_ values: [Double], rank: Int) -> [Double] {
            condition.lock()
            defer { condition.unlock() }
            contributions[rank] = values
            arrived += 1
            let mine = generation
            if arrived == size {
                precondition(Set(contributions.map(\.count)).count == 1, "ThreadCommunicator: ranks summed different lengths")
                result = contributions.dropFirst().reduce(contributions[0]) { total, next in zip(total, next).map { $0 + $1 } }
                arrived = 0
                generation += 1
                condition.broadcast()
            } else {
                while generation == mine { condition.wait() }
            }
            return result
        }
    }

    init(rank: Int, group: Group) {
        self.rank = rank
        self.size = group.size
        self.group = group
    }

    public func sum(_ values: UnsafeMutableBufferPointer<Float>) {
        let total = group.sum(values.map { Double($0) }, rank: rank)
        for i in values.indices { values[i] = Float(total[i]) }
    }

    public func sum(_ values: UnsafeMutableBufferPointer<Double>) {
        let total = group.sum(Array(values), rank: rank)
        for i in values.indices { values[i] = total[i] }
    }

    /// Runs `body` on `ranks` threads, one communicator each; the results in rank order.
    public static func run<T>(ranks: Int, _ body: @escaping (ThreadCommunicator) throws -> T) throws -> [T] {
        let group = Group(size: ranks)
        let results = Results<T>(count: ranks)
        let done = DispatchGroup()
        for rank in 0..<ranks {
            done.enter()
            let thread = Thread {
                defer { done.leave() }
                results.set(rank, Result { try body(ThreadCommunicator(rank: rank, group: group)) })
            }
            thread.stackSize = 16 << 20
            thread.start()
        }
        done.wait()
        return try results.values.map { try $0!.get() }
    }

    final class Results<T>: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var values: [Result<T, Error>?]
        init(count: Int) { values = Array(repeating: nil, count: count) }
        func set(_ index: Int, _ value: Result<T, Error>) {
            lock.lock()
            values[index] = value
            lock.unlock()
        }
    }
}
