import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Open MPI, loaded at run time with `dlopen` (as `GEMM` loads BLAS), so building needs no MPI
/// and a build without it runs everything but `--distributed mpi`.
///
/// This targets **Open MPI's ABI**: its handles (`MPI_COMM_WORLD`, `MPI_FLOAT`, `MPI_SUM`, …)
/// are the addresses of global symbols (`ompi_mpi_comm_world`, `ompi_mpi_float`,
/// `ompi_mpi_op_sum`), found with `dlsym`. MPICH and its derivatives use integer handles
/// from their header; a library without `ompi_mpi_comm_world` is refused by name.
///
/// `GAN_MPI` names the library (path or soname); default `libmpi.so.40` (Open MPI 3–5), then
/// `libmpi.so`. It is opened with `RTLD_GLOBAL`: Open MPI's plugins (`mca_*.so`) resolve
/// libmpi's symbols from the global namespace.
public enum MPILibrary {
    typealias Handle = UnsafeMutableRawPointer
    typealias InitThread = @convention(c) (UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?, Int32, UnsafeMutablePointer<Int32>) -> Int32
    typealias Flag = @convention(c) (UnsafeMutablePointer<Int32>) -> Int32
    typealias CommInt = @convention(c) (Handle, UnsafeMutablePointer<Int32>) -> Int32
    typealias Iallreduce = @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, Int32, Handle, Handle, Handle, UnsafeMutablePointer<Handle?>) -> Int32
    typealias Test = @convention(c) (UnsafeMutablePointer<Handle?>, UnsafeMutablePointer<Int32>, UnsafeMutableRawPointer?) -> Int32
    typealias Abort = @convention(c) (Handle, Int32) -> Int32
    typealias Finalize = @convention(c) () -> Int32
    typealias Version = @convention(c) (UnsafeMutablePointer<CChar>, UnsafeMutablePointer<Int32>) -> Int32

    struct Symbols: @unchecked Sendable {
        let path: String
        let initThread: InitThread
        let initialized: Flag
        let finalized: Flag
        let commRank: CommInt
        let commSize: CommInt
        let iallreduce: Iallreduce
        let test: Test
        let abort: Abort
        let finalize: Finalize
        let version: Version
        let world: Handle
        let float: Handle
        let double: Handle
        let sum: Handle
    }

    /// The library's symbols, or why there are none.
    static let loaded: Result<Symbols, MPIError> = {
        let requested = getenv("GAN_MPI").map { String(cString: $0) }
        var failures: [String] = []
        for path in requested.map({ [$0] }) ?? ["libmpi.so.40", "libmpi.so"] {
            guard let handle = dlopen(path, RTLD_NOW | RTLD_GLOBAL) else {
                failures.append(dlerror().map { String(cString: $0) } ?? path)
                continue
            }
            func symbol<T>(_ name: String, as type: T.Type) -> T? {
                dlsym(handle, name).map { unsafeBitCast($0, to: type) }
            }
            func address(_ name: String) -> Handle? { dlsym(handle, name) }
            guard let world = address("ompi_mpi_comm_world") else {
                return .failure(MPIError("\(path) is not Open MPI (it has no ompi_mpi_comm_world): swift-gan calls MPI "
                    + "through Open MPI's ABI (MPICH and its derivatives are not supported); install openmpi-bin and "
                    + "libopenmpi-dev, or point GAN_MPI at Open MPI's libmpi.so"))
            }
            guard let initThread = symbol("MPI_Init_thread", as: InitThread.self),
                  let initialized = symbol("MPI_Initialized", as: Flag.self),
                  let finalized = symbol("MPI_Finalized", as: Flag.self),
                  let commRank = symbol("MPI_Comm_rank", as: CommInt.self),
                  let commSize = symbol("MPI_Comm_size", as: CommInt.self),
                  let iallreduce = symbol("MPI_Iallreduce", as: Iallreduce.self),
                  let test = symbol("MPI_Test", as: Test.self),
                  let abort = symbol("MPI_Abort", as: Abort.self),
                  let finalize = symbol("MPI_Finalize", as: Finalize.self),
                  let version = symbol("MPI_Get_library_version", as: Version.self),
                  let float = address("ompi_mpi_float"), let double = address("ompi_mpi_double"),
                  let sum = address("ompi_mpi_op_sum") else {
                return .failure(MPIError("\(path): an MPI function or handle is missing (Open MPI 3 or later is needed)"))
            }
            return .success(Symbols(path: path, initThread: initThread, initialized: initialized, finalized: finalized,
                                    commRank: commRank, commSize: commSize, iallreduce: iallreduce, test: test,
                                    abort: abort, finalize: finalize, version: version, world: world, float: float,
                                    double: double, sum: sum))
        }
        return .failure(MPIError("no MPI library found (\(failures.joined(separator: "; "))): install Open MPI "
            + "(Debian: apt-get install openmpi-bin libopenmpi-dev), or set GAN_MPI to its libmpi.so"))
    }()

    /// Whether Open MPI could be loaded.
    public static var isAvailable: Bool { (try? loaded.get()) != nil }

    /// One line for `gan info`: the library and its version, or why there is none.
    public static var description: String {
        switch loaded {
        case .success(let mpi):
            var text = [CChar](repeating: 0, count: 4096)
            var length: Int32 = 0
            _ = mpi.version(&text, &length)
            let version = String(cString: text).split(separator: "\n").first.map(String.init) ?? "unknown version"
            return "\(version) (\(mpi.path))"
        case .failure(let error):
            return "not available: \(error)"
        }
    }
}

/// Why MPI cannot be used.
public struct MPIError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// `MPI_COMM_WORLD` of the processes `mpirun` started, through `MPILibrary`.
///
/// Every sum is a non-blocking all-reduce (`MPI_Iallreduce`) polled against a deadline: when
/// another process died or hangs, the call prints which sum it waited for and for how long and
/// calls `MPI_Abort`, which ends every process of the job (a process that died is usually
/// noticed by `mpirun` first, which ends the job itself).
public final class MPICommunicator: Communicator {
    public let rank: Int
    public let size: Int
    /// Seconds a sum may wait for the other processes before the job is stopped.
    public let timeout: Double
    /// Sums done, bytes summed and seconds spent in sums (waiting included), since the start.
    public private(set) var calls = 0
    public private(set) var bytes = 0
    public private(set) var seconds = 0.0
    private let mpi: MPILibrary.Symbols

    /// Initialises MPI (`MPI_Init_thread`, funnelled: only the thread that trains calls MPI).
    ///
    /// - Parameter timeout: Seconds a sum may wait (> 0).
    /// - Throws: `MPIError` when Open MPI cannot be loaded or initialised.
    public init(timeout: Double) throws {
        precondition(timeout > 0, "MPICommunicator: timeout must be positive, got \(timeout)")
        mpi = try MPILibrary.loaded.get()
        var initialized: Int32 = 0
        _ = mpi.initialized(&initialized)
        if initialized == 0 {
            var provided: Int32 = 0
            guard mpi.initThread(nil, nil, 1, &provided) == 0 else { throw MPIError("\(mpi.path): MPI_Init_thread failed") }
        }
        var r: Int32 = 0, s: Int32 = 0
        _ = mpi.commRank(mpi.world, &r)
        _ = mpi.commSize(mpi.world, &s)
        rank = Int(r)
        size = Int(s)
        self.timeout = timeout
    }

    public func sum(_ values: UnsafeMutableBufferPointer<Float>) {
        allReduce(UnsafeMutableRawPointer(values.baseAddress), count: values.count, type: mpi.float, stride: 4)
    }

    public func sum(_ values: UnsafeMutableBufferPointer<Double>) {
        allReduce(UnsafeMutableRawPointer(values.baseAddress), count: values.count, type: mpi.double, stride: 8)
    }

    private func allReduce(_ buffer: UnsafeMutableRawPointer?, count: Int, type: MPILibrary.Handle, stride: Int) {
        guard size > 1, count > 0, let buffer else { return }
        precondition(count <= Int(Int32.max), "MPICommunicator: \(count) values exceed one MPI call")
        let start = DispatchTime.now().uptimeNanoseconds
        var request: MPILibrary.Handle?
        // MPI_IN_PLACE is (void *) 1 in Open MPI's mpi.h.
        let inPlace = UnsafeRawPointer(bitPattern: 1)
        guard mpi.iallreduce(inPlace, buffer, Int32(count), type, mpi.sum, mpi.world, &request) == 0 else {
            stop("MPI_Iallreduce of \(count) values failed")
        }
        var done: Int32 = 0
        var polls = 0
        var deadline = start + UInt64(timeout * 1e9), last = start
        while true {
            _ = mpi.test(&request, &done, nil)
            if done != 0 { break }
            polls += 1
            // Spin for the first thousand polls (a step's sums take microseconds), then sleep a
            // little between polls so a long wait leaves the core to the others.
            if polls > 1000 {
                let now = DispatchTime.now().uptimeNanoseconds
                // A gap of seconds between polls: this process itself was stopped (SIGSTOP),
                // which is no sign that the others hang.
                if now - last > 1_000_000_000 { deadline += now - last }
                last = now
                if now > deadline {
                    stop("a sum of \(count) values waited \(Int(timeout)) s (--mpi-timeout) for the other processes: "
                         + "one of them died or hangs")
                }
                usleep(100)
            }
        }
        calls += 1
        bytes += count * stride
        seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Prints `message` and ends every process of the job.
    public func stop(_ message: String, code: Int32 = 1) -> Never {
        fputs("gan: rank \(rank) of \(size): \(message); stopping all ranks (MPI_Abort)\n", stderr)
        _ = mpi.abort(mpi.world, code)
        exit(code)
    }

    /// Ends MPI in this process (after the last sum of the run).
    public func finish() {
        var finalized: Int32 = 0
        _ = mpi.finalized(&finalized)
        if finalized == 0 { _ = mpi.finalize() }
    }
}
