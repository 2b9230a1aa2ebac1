/// Why the dashboard cannot show a page: what the visitor asked for is not there, or the store is not
/// reachable now.
public enum DashboardError: Error, Sendable, CustomStringConvertible {
    case unknownSweep(String)
    case unknownJob(sweep: String, key: String)
    /// The store failed or is gone (its file removed, its server down): the page says so and the next
    /// request tries again.
    case storeUnavailable(String)

    public var description: String {
        switch self {
        case .unknownSweep(let name): "no sweep named '\(name)' in this store"
        case .unknownJob(let sweep, let key): "sweep '\(sweep)' has no job \(key) (weight/seed)"
        case .storeUnavailable(let problem): "the results store cannot be read: \(problem)"
        }
    }
}
