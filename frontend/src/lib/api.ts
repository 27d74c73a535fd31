import type { EngineInfo, EventEnvelope, EventType, ExchangeScope } from "@/generated/types";

/** Every list endpoint answers `{items, next_cursor}` (DESIGN §6b). */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** The API's one error shape: `{"error": {"code", "message", "fields"}}`. */
interface ErrorBody {
  error: {
    code: string;
    message: string;
    fields?: { field: string; message: string }[];
  };
}

/** A failed API call: an HTTP error (with the API's code) or an unreachable server (status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

function isErrorBody(body: unknown): body is ErrorBody {
  if (typeof body !== "object" || body === null || !("error" in body)) return false;
  const error = (body as { error: unknown }).error;
  return typeof error === "object" && error !== null && "message" in error;
}

/** Join the base URL (with or without a trailing slash) and an absolute API path. */
export function apiUrlFor(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, "")}${path}`;
}

/** GET a JSON document from the API; throw ApiError on any failure. */
export async function getJson<T>(baseUrl: string, path: string, signal?: AbortSignal): Promise<T> {
  const url = apiUrlFor(baseUrl, path);
  let response: Response;
  try {
    response = await fetch(url, { headers: { Accept: "application/json" }, signal });
  } catch (cause) {
    if (signal?.aborted) throw cause;
    throw new ApiError(0, "unreachable", `Cannot reach the API at ${baseUrl}`);
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    if (isErrorBody(body)) throw new ApiError(response.status, body.error.code, body.error.message);
    throw new ApiError(response.status, "http_error", `${response.status} ${response.statusText} from ${path}`);
  }
  return body as T;
}

/** Filters and paging of GET /api/events (one event type per request). */
export interface EventsQuery {
  type?: EventType;
  exchange?: ExchangeScope;
  engineId?: string;
  /** 1..500; the API's default when omitted. */
  limit?: number;
  cursor?: string;
}

/** The path and query string of GET /api/events for a query; unset filters are left out. */
export function eventsPath(query: EventsQuery): string {
  const params = new URLSearchParams();
  if (query.type !== undefined) params.set("type", query.type);
  if (query.exchange !== undefined) params.set("exchange", query.exchange);
  if (query.engineId !== undefined) params.set("engine_id", query.engineId);
  if (query.limit !== undefined) params.set("limit", String(query.limit));
  if (query.cursor !== undefined) params.set("cursor", query.cursor);
  const search = params.toString();
  return search === "" ? "/api/events" : `/api/events?${search}`;
}

/** A typed client for the CMS API, bound to one base URL. */
export interface ApiClient {
  readonly baseUrl: string;
  listEngines(signal?: AbortSignal): Promise<Page<EngineInfo>>;
  /** Persisted events, newest first; follow `next_cursor` for older ones. */
  listEvents(query: EventsQuery, signal?: AbortSignal): Promise<Page<EventEnvelope>>;
}

export function createApiClient(baseUrl: string): ApiClient {
  return {
    baseUrl,
    listEngines: (signal) => getJson<Page<EngineInfo>>(baseUrl, "/api/engines", signal),
    listEvents: (query, signal) => getJson<Page<EventEnvelope>>(baseUrl, eventsPath(query), signal),
  };
}
