import CDNNL
import Foundation

/// How many oneDNN/OpenMP threads the calling thread's numeric work may use, and the GEMM entry
/// point that honours it.
///
/// OpenMP's team size is a per-thread setting, so each sweep worker sets its own; a thread that never
/// called `setThreads` runs single-threaded (a job never spawns more threads than it was given).
public enum Compute {
    /// Sets the number of threads the calling thread's oneDNN calls use (at least 1).
    public static func setThreads(_ count: Int) {
        precondition(count >= 1, "thread count must be at least 1, got \(count)")
        threadCount.value = count
        omp_set_num_threads(Int32(count))
    }

    /// The number of threads the calling thread's oneDNN calls use.
    public static var threads: Int { threadCount.value ?? 1 }

    /// OpenMP's team size for the calling thread's next parallel region, as the runtime reports it.
    public static var openMPTeamSize: Int { Int(omp_get_max_threads()) }

    /// Makes sure OpenMP's team size for this thread matches `threads` (1 unless set).
    @inline(__always)
    static func prepareThread() {
        if threadCount.value == nil { setThreads(1) }
    }

    /// Row-major single-precision GEMM, `C = alpha * op(A) * op(B) + beta * C`, by `dnnl_sgemm`.
    ///
    /// Shapes: op(A) is [m, k], op(B) is [k, n], C is [m, n]; `lda`, `ldb`, `ldc` are the row strides
    /// of A, B and C as stored.
    public static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        prepareThread()
        let status = dnnl_sgemm(
            transA ? CChar(UInt8(ascii: "T")) : CChar(UInt8(ascii: "N")),
            transB ? CChar(UInt8(ascii: "T")) : CChar(UInt8(ascii: "N")),
            Int64(m), Int64(n), Int64(k), alpha, a, Int64(lda), b, Int64(ldb), beta, c, Int64(ldc))
        precondition(status == dnnl_success, "dnnl_sgemm failed with status \(status.rawValue) for m=\(m) n=\(n) k=\(k)")
    }
}

/// A per-thread optional integer (pthread thread-specific storage).
final class ThreadLocalInt: @unchecked Sendable {
    private var key = pthread_key_t()

    init() {
        pthread_key_create(&key) { pointer in pointer?.deallocate() }
    }

    var value: Int? {
        get { pthread_getspecific(key)?.assumingMemoryBound(to: Int.self).pointee }
        set {
            if let existing = pthread_getspecific(key) {
                existing.deallocate()
                pthread_setspecific(key, nil)
            }
            if let newValue {
                let p = UnsafeMutablePointer<Int>.allocate(capacity: 1)
                p.initialize(to: newValue)
                pthread_setspecific(key, p)
            }
        }
    }
}

private let threadCount = ThreadLocalInt()
