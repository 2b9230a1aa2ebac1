import Foundation
import Sweep

/// The lines `status SWEEP` adds about the sweep's Slurm array tasks, when Slurm's tools are here and
/// know of any: tasks pending, running and ended, and running jobs whose task has ended (their
/// heartbeats stop; another worker takes them over after their grace).
enum SlurmStatus {
    static func lines(sweep: SweepRecord, jobs: [JobSummary]) -> [String] {
        guard let cluster = try? SlurmCluster(),
              let tasks = try? cluster.tasks(named: SlurmBatchScript.jobName(sweep: sweep.name), since: sweep.created),
              !tasks.isEmpty else { return [] }
        let ended = tasks.filter(\.hasEnded)
        let endedStates = Dictionary(grouping: ended, by: \.state).map { "\($0.key) \($0.value.count)" }.sorted()
        var lines = ["slurm: \(tasks.count) array task\(tasks.count == 1 ? "" : "s"): \(tasks.filter(\.isPending).count) pending, "
                     + "\(tasks.filter(\.isRunning).count) running, \(ended.count) ended"
                     + (endedStates.isEmpty ? "" : " (\(endedStates.joined(separator: ", ")))")]
        let endedIDs = Set(ended.map(\.id))
        for job in jobs where job.job.status == .running {
            guard let worker = job.job.worker, worker.hasPrefix(SlurmTask.workerPrefix) else { continue }
            let task = String(worker.dropFirst(SlurmTask.workerPrefix.count))
            if endedIDs.contains(task), let state = ended.first(where: { $0.id == task })?.state {
                lines.append("slurm: task \(task) ended (\(state)) with job w=\(job.job.auxWeight) seed=\(job.job.seed) not done; "
                             + "another worker takes it over \(Int(job.job.effectiveGrace)) s after its last heartbeat")
            }
        }
        let open = jobs.filter { !$0.job.status.hasEnded }.count
        if open > 0 && !tasks.contains(where: { $0.isPending || $0.isRunning }) {
            lines.append("slurm: no task is pending or running, but \(open) job\(open == 1 ? " is" : "s are") not done: "
                         + "submit again ('auxsweep submit')")
        }
        return lines
    }
}
