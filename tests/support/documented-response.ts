import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

interface ResponseObject {
  content?: Record<string, { schema?: { $ref?: string } }>;
}
type Operations = Record<string, { responses: Record<string, ResponseObject> }>;
export interface OpenApiDocument {
  paths: Record<string, Operations>;
  components: { schemas: Record<string, unknown> };
}

/**
 * Checks real answers against an OpenAPI document with an independent JSON Schema
 * validator (ajv, draft 2020-12): the status must be documented for the operation,
 * and a JSON body must match the documented schema.
 */
export class DocumentedResponses {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  /** `METHOD path status` of every answer checked, to show what a suite covered. */
  readonly checked = new Set<string>();

  constructor(private readonly document: OpenApiDocument) {
    addFormats(this.ajv);
    this.ajv.addSchema(document, 'openapi.json');
  }

  /** Reads the body of `res` (once) and returns it after checking it against the document. */
  async check(method: string, path: string, res: Response): Promise<unknown> {
    const where = `${method.toUpperCase()} ${path} → ${res.status}`;
    const operation = this.document.paths[path]?.[method.toLowerCase()];
    if (!operation) throw new Error(`${method} ${path} is not documented`);
    const documented = operation.responses[String(res.status)];
    if (!documented) throw new Error(`${where} is not a documented answer`);
    this.checked.add(where);
    const type = (res.headers.get('content-type') ?? '').split(';')[0] ?? '';
    const text = await res.text();
    if (!documented.content) {
      if (text !== '') throw new Error(`${where} documents no body but has one: ${text}`);
      return undefined;
    }
    const media = documented.content[type];
    if (!media) throw new Error(`${where}: ${type} is not a documented media type`);
    if (type !== 'application/json') return text;
    const body: unknown = JSON.parse(text);
    const ref = media.schema?.$ref;
    if (!ref) throw new Error(`${where}: no schema documented`);
    const validate = this.ajv.getSchema(`openapi.json${ref}`);
    if (!validate) throw new Error(`${where}: ${ref} does not resolve`);
    if (!validate(body)) {
      throw new Error(
        `${where} does not match ${ref}: ${this.ajv.errorsText(validate.errors)}\n${text}`,
      );
    }
    return body;
  }
}
