#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The buffer behind one or more tensors: `count` Float32 values, 64-byte aligned.
///
/// Tensors never write into a storage they share; an op that produces new values
/// allocates a new storage, so sharing is safe (copy-on-write without the copy).
public final class TensorStorage: @unchecked Sendable {
    /// Number of Float32 elements.
    public let count: Int
    /// First element; valid for `count` elements while the storage is alive.
    public let base: UnsafeMutablePointer<Float>
    /// Bytes of the `LargeBlocks` block behind `base`, or 0 for the C heap.
    private let mapped: Int

    /// Allocates uninitialised memory for `count` floats.
    public init(uninitializedCount count: Int) {
        precondition(count >= 0, "TensorStorage: negative count \(count)")
        self.count = count
        var raw: UnsafeMutableRawPointer?
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        if bytes >= LargeBlocks.minimumBytes {
            (raw, mapped) = LargeBlocks.shared.allocate(bytes)
        } else {
            mapped = 0
            // 64 bytes: one AVX-512 vector / one cache line.
            let status = posix_memalign(&raw, 64, (bytes + 63) & ~63)
            precondition(status == 0 && raw != nil, "TensorStorage: out of memory allocating \(bytes) bytes")
        }
        base = raw!.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// Allocates zero-filled memory for `count` floats.
    public convenience init(zeros count: Int) {
        self.init(uninitializedCount: count)
        if count > 0 { memset(base, 0, count * MemoryLayout<Float>.stride) }
    }

    /// Allocates `count` floats all equal to `value`.
    public convenience init(repeating value: Float, count: Int) {
        if value == 0 && value.sign == .plus {
            self.init(zeros: count)
        } else {
            self.init(uninitializedCount: count)
            base.initialize(repeating: value, count: count)
        }
    }

    /// Copies `values` into a new storage.
    public convenience init<C: Collection>(copying values: C) where C.Element == Float {
        self.init(uninitializedCount: values.count)
        var i = 0
        for v in values { base[i] = v; i += 1 }
    }

    deinit {
        if mapped > 0 { LargeBlocks.shared.release(UnsafeMutableRawPointer(base), bytes: mapped) } else { free(base) }
    }

    /// Returns the large blocks kept for reuse to the system (before measuring one job's
    /// peak memory after another's in the same process).
    public static func releaseCachedBlocks() { LargeBlocks.shared.trim() }

    /// The elements as a buffer pointer.
    public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: base, count: count)
    }
}

/// Storage blocks of 1 MiB and more: mapped pages, kept after use and handed out again.
///
/// A training or sampling loop allocates the same large buffers (activations, im2col columns)
/// every step. From the C heap they either come back as fresh mapped pages, which the kernel
/// faults in and zeroes on every step, or, once glibc raises its mapping threshold, from a heap
/// whose fragmentation makes the peak memory of one run differ from the next by 2–3×. Here a
/// freed block waits for the next request it fits (best fit, at most twice the size asked), and
/// the blocks held, in use or waiting, never exceed the most that were ever in use at once:
/// a request that finds no block first unmaps the longest-waiting ones.
final class LargeBlocks: @unchecked Sendable {
    static let shared = LargeBlocks()
    static let minimumBytes = 1 << 20
    private static let pageBytes = 1 << 16

    private let lock: UnsafeMutablePointer<pthread_mutex_t>
    /// Waiting blocks, oldest first.
    private var waiting: [(pointer: UnsafeMutableRawPointer, bytes: Int)] = []
    private var waitingBytes = 0, liveBytes = 0, mostLiveBytes = 0

    init() {
        lock = .allocate(capacity: 1)
        pthread_mutex_init(lock, nil)
    }

    /// A block of at least `bytes` and its size.
    func allocate(_ bytes: Int) -> (UnsafeMutableRawPointer, Int) {
        let size = (bytes + Self.pageBytes - 1) / Self.pageBytes * Self.pageBytes
        var unmap: [(pointer: UnsafeMutableRawPointer, bytes: Int)] = []
        pthread_mutex_lock(lock)
        var best: Int?
        for (i, block) in waiting.enumerated() where block.bytes >= size && block.bytes <= 2 * size {
            if best.map({ block.bytes < waiting[$0].bytes }) ?? true { best = i }
        }
        if let best {
            let block = waiting.remove(at: best)
            waitingBytes -= block.bytes
            liveBytes += block.bytes
            pthread_mutex_unlock(lock)
            return (block.pointer, block.bytes)
        }
        liveBytes += size
        mostLiveBytes = max(mostLiveBytes, liveBytes)
        var drop = 0
        while drop < waiting.count && liveBytes + waitingBytes > mostLiveBytes {
            waitingBytes -= waiting[drop].bytes
            unmap.append(waiting[drop])
            drop += 1
        }
        waiting.removeFirst(drop)
        pthread_mutex_unlock(lock)
        for block in unmap { munmap(block.pointer, block.bytes) }
        guard let pointer = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              pointer != MAP_FAILED else {
            preconditionFailure("TensorStorage: out of memory mapping \(size) bytes")
        }
        #if os(Linux)
        // Huge pages where the kernel offers them on request: one fault maps 2 MiB, not 4 KiB
        // (Inception's large activations, faulted in again when the pool could not keep them).
        if size >= 2 << 20 { _ = madvise(pointer, size, 14 /* MADV_HUGEPAGE */) }
        #endif
        return (pointer, size)
    }

    /// Bytes mapped now: blocks in use and waiting.
    var heldBytes: Int {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return liveBytes + waitingBytes
    }

    /// Unmaps every waiting block; the cap restarts from the blocks in use.
    func trim() {
        pthread_mutex_lock(lock)
        let blocks = waiting
        waiting = []
        waitingBytes = 0
        mostLiveBytes = liveBytes
        pthread_mutex_unlock(lock)
        for block in blocks { munmap(block.pointer, block.bytes) }
    }

    /// Takes back a block from `allocate`.
    func release(_ pointer: UnsafeMutableRawPointer, bytes: Int) {
        pthread_mutex_lock(lock)
        liveBytes -= bytes
        waiting.append((pointer, bytes))
        waitingBytes += bytes
        pthread_mutex_unlock(lock)
    }
}
