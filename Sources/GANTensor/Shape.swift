/// Shape arithmetic shared by the ops.
public enum Shape {
    /// The number of elements of a tensor of this shape.
    @inlinable
    public static func count(_ shape: [Int]) -> Int {
        var n = 1
        for d in shape { n &*= d }
        return n
    }

    /// Row-major strides (in elements) of a contiguous tensor of this shape.
    @inlinable
    public static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var s = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = s
            s &*= shape[i]
        }
        return strides
    }

    /// The NumPy broadcast of two shapes, or `nil` when they do not broadcast.
    public static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
        }
        return out
    }

    /// The broadcast of two shapes; stops with a message naming `op` when they do not broadcast.
    public static func broadcastOrFail(_ a: [Int], _ b: [Int], op: String) -> [Int] {
        guard let s = broadcast(a, b) else {
            preconditionFailure("\(op): shapes \(a) and \(b) do not broadcast")
        }
        return s
    }
}
