import type { EngineInfo } from "@/generated/types";

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

/** A typed client for the CMS API, bound to one base URL. */
export interface ApiClient {
  readonly baseUrl: string;
  listEngines(signal?: AbortSignal): Promise<Page<EngineInfo>>;
}

export function createApiClient(baseUrl: string): ApiClient {
  return {
    baseUrl,
    listEngines: (signal) => getJson<Page<EngineInfo>>(baseUrl, "/api/engines", signal),
  };
}
