import Testing
@testable import GANTensor

/// The large-block pool behind `TensorStorage`: a freed block serves the next request it fits,
/// and the blocks held never exceed the most that were in use at once.
struct StorageTests {
    static let mib = 1 << 20

    @Test func freedBlockServesTheNextRequestItFits() {
        let pool = LargeBlocks()
        let (a, sizeA) = pool.allocate(4 * Self.mib)
        pool.release(a, bytes: sizeA)
        let (b, sizeB) = pool.allocate(3 * Self.mib)  // fits: at most twice the size asked
        #expect(b == a && sizeB == sizeA)
        pool.release(b, bytes: sizeB)
        let (c, sizeC) = pool.allocate(Self.mib)  // a quarter of the block: a new one
        #expect(c != a && sizeC == Self.mib)
        pool.release(c, bytes: sizeC)
        pool.trim()
        #expect(pool.heldBytes == 0)
    }

    @Test func heldBlocksNeverExceedTheMostInUse() {
        let pool = LargeBlocks()
        let (a, sizeA) = pool.allocate(8 * Self.mib)
        let (b, sizeB) = pool.allocate(8 * Self.mib)
        #expect(pool.heldBytes == 16 * Self.mib)
        pool.release(a, bytes: sizeA)
        pool.release(b, bytes: sizeB)
        // Neither waiting block fits 2 MiB; mapping one unmaps the longest-waiting 8 MiB block.
        let (c, sizeC) = pool.allocate(2 * Self.mib)
        #expect(pool.heldBytes == 10 * Self.mib)
        let (d, sizeD) = pool.allocate(8 * Self.mib)
        #expect(d == b && pool.heldBytes == 10 * Self.mib)
        pool.release(c, bytes: sizeC)
        pool.release(d, bytes: sizeD)
        pool.trim()
        #expect(pool.heldBytes == 0)
    }

    @Test func largeStoragesRoundTripTheirValues() {
        let n = 3 * Self.mib / 4 + 5
        let x = TensorStorage(repeating: 2.5, count: n)
        #expect(x.base[0] == 2.5 && x.base[n - 1] == 2.5)
        let z = TensorStorage(zeros: n)
        #expect(z.buffer.allSatisfy { $0 == 0 })
    }
}
