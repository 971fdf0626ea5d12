import Testing
@testable import GANData

@Suite struct ImageFolderTests {
    @Test func classesFromSubFoldersWithResize() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let cats = try dir.directory("pets/cat"), dogs = try dir.directory("pets/dog/nested")
        try smoothBitmap(width: 40, height: 30, channels: 3).writePNG(to: cats + "/b.png")
        try smoothBitmap(width: 20, height: 20, channels: 1).writePNG(to: cats + "/a.PNG")
        try smoothBitmap(width: 64, height: 48, channels: 3).writeJPEG(to: dogs + "/c.jpeg")
        try FileIO.writeBytes(Array("notes".utf8), to: cats + "/readme.txt")
        try FileIO.writeBytes(Array("hidden".utf8), to: cats + "/.DS_Store")

        let set = try ImageFolder.loadDataset(dir.file("pets"), size: 16)
        #expect(set.classNames == ["cat", "dog"])
        #expect(set.labels == [0, 0, 1])  // cat/a.PNG, cat/b.png, dog/nested/c.jpeg
        #expect(set.sampleShape == [3, 16, 16])  // colour because some images are colour
        let grey = try ImageFolder.loadDataset(dir.file("pets"), size: 8, channels: 1)
        #expect(grey.sampleShape == [1, 8, 8] && grey.count == 3)
        // Through the data spec, with a class filter.
        let dogsOnly = try DataSpec(parsing: "folder:\(dir.file("pets"))@dog").load(DataLoadOptions(imageSize: 12))
        #expect(dogsOnly.count == 1 && dogsOnly.sampleShape == [3, 12, 12] && dogsOnly.labels == [1])
    }

    @Test func sameSizeWithoutResize() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let a = Bitmap(width: 5, height: 4, channels: 1, pixels: patternBytes(width: 5, height: 4, channels: 1))
        try a.writePNG(to: dir.file("a.png"))
        try a.writePNG(to: dir.file("b.png"))
        let set = try ImageFolder.loadDataset(dir.path)
        // Images directly in the folder form one class named after it.
        #expect(set.classNames == [FileIO.baseName(dir.path)] && set.labels == [0, 0])
        #expect(set.bitmap(at: 1) == a)
        // A differently sized image without a size to resize to is an error naming it.
        try Bitmap(width: 6, height: 4, channels: 1, pixels: patternBytes(width: 6, height: 4, channels: 1)).writePNG(to: dir.file("c.png"))
        expectError(dataError { try ImageFolder.loadDataset(dir.path) }, .malformed,
                    mentions: ["c.png", "expected 5×4", "found 6×4"])
    }

    @Test func emptyAndMissingFolders() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        _ = try dir.directory("empty/sub")
        try FileIO.writeBytes([1, 2, 3], to: dir.file("empty/sub/data.bin"))
        expectError(dataError { try ImageFolder.loadDataset(dir.file("empty")) }, .empty,
                    mentions: ["empty", "expected PNG or JPEG images", "found none"])
        expectError(dataError { try ImageFolder.loadDataset(dir.file("absent")) }, .notFound, mentions: ["absent"])
    }

    @Test func oneBrokenImageNamesIt() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        try smoothBitmap(width: 8, height: 8, channels: 3).writePNG(to: dir.file("good.png"))
        try smoothBitmap(width: 8, height: 8, channels: 3).writeJPEG(to: dir.file("broken.jpg"))
        let bytes = try FileIO.readBytes(dir.file("broken.jpg"))
        try FileIO.writeBytes(Array(bytes.prefix(bytes.count / 2)), to: dir.file("broken.jpg"))
        expectError(dataError { try ImageFolder.loadDataset(dir.path) }, .malformed, mentions: ["broken.jpg", "JPEG"])
    }
}
