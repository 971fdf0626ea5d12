import Testing
@testable import GANData

@Suite struct IDXTests {
    let images = IDXArray(shape: [5, 4, 3], bytes: (0..<60).map { UInt8($0 * 4) })
    let labels = IDXArray(shape: [5], bytes: [3, 0, 9, 1, 3])

    @Test(arguments: [false, true])
    func roundTrip(gzip: Bool) throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let imagePath = dir.file("images" + (gzip ? ".gz" : ""))
        let labelPath = dir.file("labels" + (gzip ? ".gz" : ""))
        try IDX.write(images, to: imagePath, gzip: gzip)
        try IDX.write(labels, to: labelPath, gzip: gzip)
        // A gzip file really is gzip (zlib's gzwrite), and reads back identically.
        #expect(FileIO.isGzip(try FileIO.readBytes(imagePath)) == gzip)
        #expect(try IDX.read(imagePath, rank: 3) == images)
        #expect(try IDX.read(labelPath, rank: 1) == labels)

        let set = try IDX.loadDataset(images: imagePath, labels: labelPath)
        #expect(set.count == 5)
        #expect(set.sampleShape == [1, 4, 3])
        #expect(set.labels == [3, 0, 9, 1, 3])
        #expect(set.classNames == (0...9).map(String.init))
        #expect(set.values == .bytes(images.bytes))
    }

    @Test func gzipFromOutsideReads() throws {
        // A stream made by gzip(1), if installed, with a file name in its header.
        guard toolExists("gzip") else { return }
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let raw = dir.file("images")
        try IDX.write(images, to: raw)
        #expect(runTool(["gzip", "-9", "-k", raw])?.status == 0)
        #expect(try IDX.read(raw + ".gz") == images)
    }

    @Test func wrongMagicNumber() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let path = dir.file("not-images-idx3")
        // A labels file where images are expected: 0x00000801.
        try IDX.write(labels, to: path)
        expectError(dataError { try IDX.read(path, rank: 3) }, .malformed,
                    mentions: ["not-images-idx3", "expected magic number 0x00000803", "found 0x00000801"])
        // Not an IDX file at all.
        try FileIO.writeBytes(Array("hello, world".utf8), to: path)
        expectError(dataError { try IDX.read(path, rank: 3) }, .malformed,
                    mentions: ["not-images-idx3", "0x00000803", "found 0x68656C6C", "not an IDX file"])
        // An IDX of floats: valid, but not what an image reader takes.
        try FileIO.writeBytes([0, 0, 0x0D, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0], to: path)
        expectError(dataError { try IDX.read(path, rank: 3) }, .unsupported, mentions: ["32-bit floats", "0x00000803"])
    }

    @Test func shortHeader() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let path = dir.file("short-idx")
        try FileIO.writeBytes([0, 0, 8], to: path)
        expectError(dataError { try IDX.read(path, rank: 3) }, .malformed, mentions: ["short-idx", "short header", "found only 3 bytes"])
        // The magic number promises 3 dimension sizes (16 bytes); only 10 are there.
        try FileIO.writeBytes(Array(IDX.encode(images).prefix(10)), to: path)
        expectError(dataError { try IDX.read(path, rank: 3) }, .malformed,
                    mentions: ["short-idx", "short header: expected 16 bytes", "found 10"])
    }

    @Test func truncatedPayload() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let path = dir.file("cut-idx3-ubyte")
        try FileIO.writeBytes(Array(IDX.encode(images).dropLast(7)), to: path)
        expectError(dataError { try IDX.read(path, rank: 3) }, .malformed,
                    mentions: ["cut-idx3-ubyte", "truncated", "expected 60 bytes", "5×4×3", "found 53"])
        try FileIO.writeBytes(IDX.encode(images) + [1, 2], to: path)
        expectError(dataError { try IDX.read(path, rank: 3) }, .malformed, mentions: ["too long", "found 62"])
    }

    @Test func truncatedGzipStream() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let whole = dir.file("whole.gz"), cut = dir.file("cut-images.gz")
        // Incompressible-ish data so the stream is long enough to cut in its middle.
        let big = IDXArray(shape: [50, 20, 20], bytes: (0..<20000).map { UInt8(($0 &* 2_654_435_761 >> 13) & 0xFF) })
        try IDX.write(big, to: whole, gzip: true)
        let bytes = try FileIO.readBytes(whole)
        for keep in [bytes.count - 4, bytes.count / 2, 12] {
            try FileIO.writeBytes(Array(bytes.prefix(keep)), to: cut)
            expectError(dataError { try IDX.read(cut, rank: 3) }, .malformed, mentions: ["cut-images.gz", "gzip"])
        }
        // Corrupt compressed data: the CRC check catches it.
        var corrupt = bytes
        corrupt[corrupt.count / 2] ^= 0x55
        try FileIO.writeBytes(corrupt, to: cut)
        expectError(dataError { try IDX.read(cut, rank: 3) }, .malformed, mentions: ["cut-images.gz"])
    }

    @Test func labelsMustMatchImages() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        try IDX.write(images, to: dir.file("img"))
        try IDX.write(IDXArray(shape: [4], bytes: [0, 1, 2, 3]), to: dir.file("lab"))
        expectError(dataError { try IDX.loadDataset(images: dir.file("img"), labels: dir.file("lab")) }, .malformed,
                    mentions: ["lab", "expected 5 labels", "found 4"])
        try IDX.write(labels, to: dir.file("lab"))
        expectError(dataError { try IDX.loadDataset(images: dir.file("img"), labels: dir.file("lab"), classNames: ["a", "b"]) },
                    .malformed, mentions: ["expected labels 0...1", "found 9"])
    }

    @Test func missingFile() {
        expectError(dataError { try IDX.read("/nonexistent/train-images-idx3-ubyte.gz") }, .notFound,
                    mentions: ["/nonexistent/train-images-idx3-ubyte.gz", "no such file"])
    }
}
