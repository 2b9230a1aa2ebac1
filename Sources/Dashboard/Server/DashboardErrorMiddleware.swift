import HTTPTypes
import Hummingbird

/// Turns what cannot be shown into pages (and, under `/api/`, JSON) with the right status: 404 for an
/// unknown path, sweep or job, 503 while the store cannot be read, 405 for any method but GET and
/// HEAD (the dashboard only reads).
struct DashboardErrorMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let api = request.uri.path.hasPrefix("/api/")
        guard request.method == .get || request.method == .head else {
            var response = failure(api: api, status: .methodNotAllowed, title: "Read-only",
                                   message: "this dashboard only reads the store: \(request.method.rawValue) is not allowed")
            response.headers[.allow] = "GET, HEAD"
            return response
        }
        do {
            return try await next(request, context)
        } catch let error as DashboardError {
            switch error {
            case .unknownSweep, .unknownJob: return failure(api: api, status: .notFound, title: "Not found", message: error.description)
            case .storeUnavailable: return failure(api: api, status: .serviceUnavailable, title: "Store unavailable", message: error.description)
            }
        } catch let error as HTTPError where error.status == .notFound {
            return failure(api: api, status: .notFound, title: "Not found", message: "nothing here: \(request.uri.path)")
        }
    }

    private func failure(api: Bool, status: HTTPResponse.Status, title: String, message: String) -> Response {
        api ? Responses.json(["error": message], status: status) : Responses.html(ErrorPage.render(title: title, message: message), status: status)
    }
}
