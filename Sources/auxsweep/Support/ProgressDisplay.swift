import Foundation
import Sweep

/// Shows a running sweep on stderr: on a terminal, one line per worker (weight, seed, iteration,
/// loss) and an overall bar with done/total and ETA, redrawn in place; otherwise one plain line per
/// finished job.
final class ProgressDisplay: @unchecked Sendable {
    private let lock = NSLock()
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var total: Int
    /// Steps of one job: a new round adds its jobs' steps to what is left.
    private let iterationsPerJob: Int
    private var done: Int, failed = 0, interrupted = 0
    private var workers: [Int: String] = [:]
    private let workerCount: Int
    private var drawnLines = 0
    private var lastDraw = Date.distantPast
    private let start = Date()
    /// Steps finished in this run and steps still to do, for the ETA.
    private var stepsDone = 0
    private var stepsLeft: Int

    /// A display of a sweep's `jobs` as this process starts: those done and failed count as such, the
    /// others still need `iterationsPerJob` steps each.
    init(jobs: [JobSummary], workers: Int, iterationsPerJob: Int) {
        total = jobs.count
        self.iterationsPerJob = iterationsPerJob
        done = jobs.filter { $0.job.status == .done }.count
        failed = jobs.filter { $0.job.status == .failed }.count
        workerCount = workers
        stepsLeft = jobs.filter { !$0.job.status.hasEnded }.count * iterationsPerJob
    }

    func handle(_ event: SweepProgress) {
        lock.withLock {
            switch event {
            case let .started(worker, job, attempt, from):
                workers[worker] = "w=\(job.auxWeight) seed=\(job.seed)" + (attempt > 1 ? " (attempt \(attempt), from \(from))" : "")
                stepsLeft -= from
            case let .step(worker, job, iteration, of, loss):
                stepsDone += 1
                stepsLeft -= 1
                workers[worker] = String(format: "w=%@ seed=%lld  it %d/%d  loss %.4f", "\(job.auxWeight)", job.seed, iteration, of, loss)
            case let .finished(worker, job, status, miou, error):
                workers[worker] = "idle"
                switch status {
                case .done: done += 1
                case .failed: failed += 1
                default: interrupted += 1
                }
                let what = switch status {
                case .done: String(format: "done  mIoU %.4f", miou ?? .nan)
                case .failed: "FAILED: \(error ?? "?")"
                default: "interrupted"
                }
                announce("\(what)  w=\(job.auxWeight) seed=\(job.seed)  (\(done)/\(total) done)")
                return
            case let .checkpointSetAside(_, job, path, movedTo, reason):
                announce("w=\(job.auxWeight) seed=\(job.seed): checkpoint \(path) "
                         + (movedTo.map { "set aside as \(URL(fileURLWithPath: $0).lastPathComponent)" } ?? "could not be moved; it will be overwritten")
                         + " (\(reason)); training from iteration 0")
                return
            case let .checkpointMissing(_, job, path, iteration):
                announce("w=\(job.auxWeight) seed=\(job.seed): the database records a checkpoint at iteration \(iteration), "
                         + "but \(path) is missing; training from iteration 0")
                return
            case let .roundDecided(round, newJobs):
                total += newJobs
                stepsLeft += newJobs * iterationsPerJob
                announce(round.summary + (round.decision?.stop == nil ? " Round \(round.round + 1): \(newJobs) new jobs." : ""))
                return
            case let .claimLost(worker, job, claim):
                workers[worker] = "idle"
                announce("w=\(job.auxWeight) seed=\(job.seed): another worker has claimed it (this worker's heartbeat was late); "
                         + "stopped here without writing (\(claim))")
                return
            }
            if isTerminal { draw(force: false) }
        }
    }

    /// Prints one line above the worker lines (redrawn below it on a terminal). Called under the lock.
    private func announce(_ line: String) {
        if isTerminal { clear(); printError(line); draw(force: true) } else { printError(line) }
    }

    /// Redraws the worker lines and the bar (at most 5 times a second unless forced).
    private func draw(force: Bool) {
        guard force || Date().timeIntervalSince(lastDraw) > 0.2 else { return }
        lastDraw = Date()
        clear()
        var lines = (0..<workerCount).map { "  worker \($0): \(workers[$0] ?? "starting")" }
        let fraction = total > 0 ? Double(done + failed) / Double(total) : 1
        let width = 30, filled = Int(fraction * Double(width))
        let elapsed = Date().timeIntervalSince(start)
        let eta = stepsDone > 0 ? elapsed / Double(stepsDone) * Double(max(stepsLeft, 0)) : nil
        lines.append("[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
                     + "\(done)/\(total) done" + (failed > 0 ? ", \(failed) failed" : "")
                     + (eta.map { "  ETA \(Self.duration($0))" } ?? ""))
        FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        drawnLines = lines.count
    }

    /// Moves the cursor up over the drawn lines and clears them.
    private func clear() {
        guard drawnLines > 0 else { return }
        FileHandle.standardError.write(Data(String(repeating: "\u{1B}[1A\u{1B}[2K", count: drawnLines).utf8))
        drawnLines = 0
    }

    /// Erases the display for good (before the final output).
    func finish() { lock.withLock { if isTerminal { clear() } } }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(s % 3600 / 60)m" : s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
    }
}
