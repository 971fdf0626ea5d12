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

    /// Allocates uninitialised memory for `count` floats.
    public init(uninitializedCount count: Int) {
        precondition(count >= 0, "TensorStorage: negative count \(count)")
        self.count = count
        var raw: UnsafeMutableRawPointer?
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        // 64 bytes: one AVX-512 vector / one cache line.
        let status = posix_memalign(&raw, 64, (bytes + 63) & ~63)
        precondition(status == 0 && raw != nil, "TensorStorage: out of memory allocating \(bytes) bytes")
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

    deinit { free(base) }

    /// The elements as a buffer pointer.
    public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: base, count: count)
    }
}
