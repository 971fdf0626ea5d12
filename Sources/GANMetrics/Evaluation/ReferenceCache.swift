import Foundation
import GANLayers
import GANTensor

/// The features of a reference set (real images) and their mean and covariance: computed once
/// per reference, feature network and count, then read from the cache.
public struct ReferenceFeatures {
    /// How the features were obtained.
    public enum Source: Equatable, Sendable {
        /// Read from the cache.
        case cacheHit
        /// Computed and written to the cache.
        case computedAndStored
        /// Computed; the cache could not be written (the reason).
        case computedNotStored(String)
        /// Computed; no cache in use.
        case computedWithoutCache

        /// `hit`, `miss (stored)`, `miss (not stored: …)`, `disabled`.
        public var description: String {
            switch self {
            case .cacheHit: return "hit"
            case .computedAndStored: return "miss (computed and stored)"
            case .computedNotStored(let reason): return "miss (computed; not stored: \(reason))"
            case .computedWithoutCache: return "disabled (computed)"
            }
        }
    }

    /// The cache key: the SHA-256 of the images' hash, their shape and count, and the feature
    /// network's identity.
    public let key: String
    /// The reference's name (`fashion-mnist (test)`).
    public let name: String
    /// The SHA-256 of the reference images' values.
    public let imagesSHA256: String?
    /// The features `[N, D]` (KID, precision/recall).
    public let features: FeatureMatrix
    /// Their mean and covariance (FID).
    public let statistics: FeatureStatistics
    /// Whether they came from the cache.
    public let source: Source
    /// The cache's features file, when there is one.
    public let cacheURL: URL?
    /// Seconds spent reading or computing them.
    public let seconds: Double

    /// N.
    public var count: Int { features.count }
    /// Whether the features were read from the cache.
    public var cacheHit: Bool { source == .cacheHit }
}

/// Reference features on disk, under `~/.cache/swift-gan/reference/` by default: per key a
/// `KEY.features.safetensors` (the `[N, D]` features and, in the metadata, the key and what it
/// stands for) and a `KEY.statistics.safetensors` (`FeatureStatistics.save`).
///
/// The key is the SHA-256 of the reference images' bytes (so a changed image, split, class
/// filter or resize is a different key), their shape and count, and the feature network's
/// identity (its weights file's SHA-256 and preprocessing). An entry whose files are missing,
/// unreadable or hold another key is a miss and is rewritten.
public struct ReferenceCache: Sendable {
    /// The folder the entries live in.
    public let directory: URL

    /// `GAN_REFERENCE_CACHE` when set, else `~/.cache/swift-gan/reference`.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let path = environment["GAN_REFERENCE_CACHE"], !path.isEmpty {
            return URL(fileURLWithPath: (path as NSString).expandingTildeInPath, isDirectory: true)
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? FileManager.default.homeDirectoryForCurrentUser.path
        return URL(fileURLWithPath: home, isDirectory: true).appendingPathComponent(".cache/swift-gan/reference", isDirectory: true)
    }

    /// A cache in `directory` (created when the first entry is written).
    public init(directory: URL = ReferenceCache.defaultDirectory()) {
        self.directory = directory
    }

    /// The key for `count` images of `imageShape` whose values hash to `imagesSHA256`, seen
    /// through the network `networkIdentity`.
    public static func key(imagesSHA256: String, imageShape: [Int], count: Int, networkIdentity: String) -> String {
        var hash = SHA256()
        hash.update("swift-gan reference features v1\nimages \(imagesSHA256)\nshape \(imageShape)\ncount \(count)\nnetwork \(networkIdentity)\n")
        return hash.hexDigest()
    }

    /// The features file of `key`.
    public func featuresURL(key: String) -> URL {
        directory.appendingPathComponent("\(key.prefix(32)).features.safetensors")
    }

    /// The statistics file of `key`.
    public func statisticsURL(key: String) -> URL {
        directory.appendingPathComponent("\(key.prefix(32)).statistics.safetensors")
    }

    static let format = "gan-reference-features"

    /// The cached features and statistics of `key`, or `nil` when there is no complete,
    /// readable entry for it.
    func load(key: String, name: String) -> (FeatureMatrix, FeatureStatistics)? {
        let featuresURL = featuresURL(key: key), statisticsURL = statisticsURL(key: key)
        guard FileManager.default.fileExists(atPath: featuresURL.path),
              FileManager.default.fileExists(atPath: statisticsURL.path),
              let file = try? SafeTensors.read(contentsOf: featuresURL),
              file.metadata["format"] == ReferenceCache.format, file.metadata["key"] == key,
              let tensor = file.tensors["features"], tensor.rank == 2,
              let features = try? FeatureMatrix(tensor, name: "\(name) features (cached)"),
              let statistics = try? FeatureStatistics(contentsOf: statisticsURL),
              statistics.count == features.count, statistics.dimension == features.dimension else {
            return nil
        }
        return (features, statistics)
    }

    /// Writes an entry (each file atomically; the statistics first, so a complete features file
    /// means a complete entry).
    ///
    /// - Throws: `MetricsError` naming the folder or file that could not be written.
    func store(key: String, features: Tensor, statistics: FeatureStatistics, description: [String: String]) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw MetricsError(directory.path, "cannot create the reference cache folder: \(error.localizedDescription)")
        }
        try statistics.save(to: statisticsURL(key: key))
        var tensors = StateDict()
        tensors.insert("features", features)
        var metadata = description
        metadata["format"] = ReferenceCache.format
        metadata["key"] = key
        metadata["created"] = ISO8601DateFormatter().string(from: Date())
        do {
            try SafeTensors.write(tensors, metadata: metadata, to: featuresURL(key: key))
        } catch {
            throw MetricsError(featuresURL(key: key).path, "cannot write the reference features: \(error)")
        }
    }
}
