import { endpoint, type Endpoint } from '../endpoint.ts';
import { html, sendPage, type Html } from '../html.ts';
import type { buildOpenApi } from '../openapi.ts';

type Document = ReturnType<typeof buildOpenApi>;
interface Operation {
  summary: string;
  security: unknown[];
  parameters: { name: string; in: string; required: boolean; description?: string }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
}

const pretty = (value: unknown) => JSON.stringify(value, null, 2);

function operationHtml(path: string, method: string, op: Operation): Html {
  const body = op.requestBody?.content['application/json']?.schema;
  return html`<section id="${method}-${path}">
    <h3><code>${method.toUpperCase()} ${path}</code></h3>
    <p>
      ${op.summary}.
      ${op.security.length ? 'Needs the service credential and a shopper token.' : 'Public.'}
    </p>
    ${
      op.parameters.length
        ? html`<table>
            <tr>
              <th>Parameter</th>
              <th>In</th>
              <th>Required</th>
              <th>About</th>
            </tr>
            ${op.parameters.map(
              (p) =>
                html`<tr>
                  <td><code>${p.name}</code></td>
                  <td>${p.in}</td>
                  <td>${p.required ? 'yes' : 'no'}</td>
                  <td>${p.description ?? ''}</td>
                </tr>`,
            )}
          </table>`
        : ''
    }
    ${
      body
        ? html`<details>
            <summary>Request body</summary>
            <pre>${pretty(body)}</pre>
          </details>`
        : ''
    }
    <ul>
      ${Object.entries(op.responses).map(
        ([status, answer]) =>
          html`<li>
            <strong>${status}</strong> ${answer.description}
            ${Object.keys(answer.content ?? {}).map((type) => html`<code>${type}</code> `)}
          </li>`,
      )}
    </ul>
  </section>`;
}

/** The contract as JSON, and as a page a person can read without any script. */
export function docsEndpoints(documentOf: () => Document): Endpoint[] {
  let page: Html | undefined;
  const pageOf = (document: Document) => {
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method, op: op as Operation })),
    );
    return html`<h1>${document.info.title} API <small>${document.info.version}</small></h1>
      <p>
        ${document.info.description} The machine-readable contract is
        <a href="/openapi.json">/openapi.json</a>.
      </p>
      <nav>
        <ul>
          ${operations.map(
            ({ path, method }) =>
              html`<li>
                <a href="#${method}-${path}"><code>${method.toUpperCase()} ${path}</code></a>
              </li>`,
          )}
        </ul>
      </nav>
      ${operations.map(({ path, method, op }) => operationHtml(path, method, op))}`;
  };
  return [
    endpoint(
      {
        method: 'get',
        path: '/openapi.json',
        summary: 'This API as an OpenAPI 3.1 document',
        tag: 'operations',
        access: 'public',
        responses: { 200: { description: 'The document.' } },
      },
      (_in, _req, res) => {
        res.json(documentOf());
      },
    ),
    endpoint(
      {
        method: 'get',
        path: '/docs',
        summary: 'The API reference, as a page',
        tag: 'operations',
        access: 'public',
        responses: { 200: { description: 'The page.', html: true } },
      },
      (_in, _req, res) => {
        sendPage(res, 'rose-checkout API', (page ??= pageOf(documentOf())));
      },
    ),
  ];
}
