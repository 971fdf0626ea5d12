import Foundation
import Testing
@testable import GANData

/// The writers produce what the extension says, or refuse it.
@Suite struct ImageFileFormatTests {
    @Test(arguments: [("a.png", ImageFileFormat.png), ("a.PNG", .png), ("dir.v2/a.jpg", .jpeg), ("a.JPEG", .jpeg)])
    func formatFromExtension(path: String, format: ImageFileFormat) throws {
        #expect(try ImageFileFormat(path: path) == format)
    }

    @Test(arguments: ["a.gif", "a.bmp", "a", "a.png.txt"])
    func otherExtensionsRefused(path: String) {
        #expect(!ImageFileFormat.canWrite(path))
        #expect(throws: DataError.self) { _ = try ImageFileFormat(path: path) }
    }

    @Test func writesTheBytesTheExtensionNames() throws {
        let bitmap = Bitmap(width: 4, height: 3, channels: 3, pixels: (0..<36).map { UInt8($0 * 7) })
        let folder = NSTemporaryDirectory() + "image-file-format-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try bitmap.write(to: folder + "/x.jpg")
        try bitmap.write(to: folder + "/x.png")
        #expect(Array(try FileIO.readBytes(folder + "/x.jpg").prefix(3)) == [0xFF, 0xD8, 0xFF])
        #expect(Array(try FileIO.readBytes(folder + "/x.png").prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
        #expect(try Bitmap(contentsOf: folder + "/x.png") == bitmap)
        #expect(throws: DataError.self) { try bitmap.write(to: folder + "/x.gif") }
        #expect(!FileManager.default.fileExists(atPath: folder + "/x.gif"), "a refused extension writes nothing")
    }

    /// `~` in a spec is not the shell's to expand: `folder:~/faces` reads under $HOME.
    @Test func tildeExpandedInSpecs() throws {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        #expect(try DataSpec(parsing: "folder:~/faces").source == .folder(directory: home + "/faces"))
        #expect(try DataSpec(parsing: "npy:~/x.npy,~/y.npy@3").source == .npy(file: home + "/x.npy", labels: home + "/y.npy"))
        #expect(try DataSpec(parsing: "folder:/data/~x").source == .folder(directory: "/data/~x"))
        #expect(FileIO.expandingTilde("~") == home && FileIO.expandingTilde("~user/x") == "~user/x")
    }
}
