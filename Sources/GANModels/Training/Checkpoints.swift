import Foundation
import GANData
import GANLayers
import GANTensor

/// Checkpoints of a run: `checkpoints/step-NNNNNNNN.safetensors`, each holding the model,
/// optimisers, EMA and whatever else the model lists (`TrainableModel.stateDict()`) and, in its metadata under `swift_gan`, the
/// `TrainingState` (step, RNG, batchers). Each file is written to a temporary file, flushed
/// and renamed (`SafeTensors.write`), then `checkpoints/latest` — the file name — is replaced
/// atomically. A kill at any moment leaves the previous checkpoint readable.
public enum Checkpoints {
    static let metadataKey = "swift_gan"

    /// The file name for `step`.
    public static func fileName(step: Int) -> String { String(format: "step-%08d.safetensors", step) }

    /// Writes a checkpoint, points `latest` at it and deletes all but the newest `keep`
    /// (0 keeps all). Returns its path.
    @discardableResult
    public static func write(model: any TrainableModel, state: TrainingState, in folder: RunFolder, keep: Int) throws -> URL {
        let url = folder.checkpointsURL.appendingPathComponent(fileName(step: state.step))
        let json = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
        try SafeTensors.write(model.stateDict(), metadata: [metadataKey: json], to: url)
        do {
            try Data(url.lastPathComponent.utf8).write(to: folder.checkpointsURL.appendingPathComponent("latest"),
                                                       options: .atomic)
        } catch {
            throw ModelError.checkpoint("\(folder.checkpointsURL.path)/latest: cannot write: \(error.localizedDescription)")
        }
        if keep > 0 {
            for old in stepFiles(in: folder).dropLast(keep) where old.step < state.step {
                try? FileManager.default.removeItem(at: old.url)
            }
        }
        return url
    }

    /// The checkpoint files, oldest first (temporary files of interrupted writes are ignored).
    public static func stepFiles(in folder: RunFolder) -> [(step: Int, url: URL)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.checkpointsURL.path)) ?? []
        return names.compactMap { name -> (Int, URL)? in
            guard name.hasPrefix("step-"), name.hasSuffix(".safetensors"),
                  let step = Int(name.dropFirst(5).dropLast(12)) else { return nil }
            return (step, folder.checkpointsURL.appendingPathComponent(name))
        }.sorted { $0.0 < $1.0 }
    }

    /// Removes temporary files left by writes that were killed.
    public static func removeStaleTemporaries(in folder: RunFolder) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.checkpointsURL.path)) ?? []
        for name in names where name.contains(".tmp-") || name.hasPrefix(".latest") {
            try? FileManager.default.removeItem(at: folder.checkpointsURL.appendingPathComponent(name))
        }
    }

    /// Reads one checkpoint into `model` and returns its training state.
    ///
    /// - Throws: `CheckpointError` for an unreadable or mismatched file, `ModelError.checkpoint`
    ///   when the metadata is missing or for another family.
    public static func load(_ url: URL, into model: any TrainableModel, family: String) throws -> TrainingState {
        let file = try SafeTensors.read(contentsOf: url)
        guard let json = file.metadata[metadataKey] else {
            throw ModelError.checkpoint("\(url.path): not a swift-gan training checkpoint (no '\(metadataKey)' metadata with the step, RNG and batcher state)")
        }
        let state: TrainingState
        do {
            state = try JSONDecoder().decode(TrainingState.self, from: Data(json.utf8))
        } catch {
            throw ModelError.checkpoint("\(url.path): the training state cannot be read: \(describeDecodingError(error))")
        }
        guard state.family == family else {
            throw ModelError.checkpoint("\(url.path): a checkpoint of family '\(state.family)', expected '\(family)'")
        }
        try model.load(stateDict: file.tensors, source: url.path)
        return state
    }

    /// Loads the newest readable checkpoint: the one `latest` names, or — when it is missing or
    /// unreadable (a torn or corrupt file) — the newest older one that reads. A checkpoint that
    /// reads but does not fit the model is an error, not skipped.
    ///
    /// - Returns: `nil` when the run has no checkpoint; otherwise the file, its state and the
    ///   files skipped with their reasons.
    public static func loadNewest(in folder: RunFolder, into model: any TrainableModel, family: String) throws
        -> (url: URL, state: TrainingState, skipped: [String])? {
        var candidates = stepFiles(in: folder).map(\.url).reversed() as [URL]
        let pointer = folder.checkpointsURL.appendingPathComponent("latest")
        if let name = try? String(contentsOf: pointer, encoding: .utf8) {
            let named = folder.checkpointsURL.appendingPathComponent(name.trimmingCharacters(in: .whitespacesAndNewlines))
            candidates.removeAll { $0.lastPathComponent == named.lastPathComponent }
            candidates.insert(named, at: 0)
        }
        var skipped: [String] = []
        for url in candidates {
            do {
                let state = try load(url, into: model, family: family)
                return (url, state, skipped)
            } catch let error as CheckpointError {
                switch error {
                case .unreadable, .malformed, .unsupportedDType:
                    skipped.append("\(error)")
                default:
                    throw error
                }
            }
        }
        if !skipped.isEmpty {
            throw ModelError.checkpoint("\(folder.checkpointsURL.path): no readable checkpoint: " + skipped.joined(separator: "; "))
        }
        return nil
    }
}
