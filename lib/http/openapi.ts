/**
 * The OpenAPI 3.1 description of /api/v1/, served at /api/v1/openapi.json and kept in
 * docs/openapi.json (tests/http/openapi_test.ts fails when the two differ; regenerate with
 * `deno run -A tools/write_openapi.ts`). The shapes are those of lib/http/node_view.ts.
 * @module
 */

const amount = { type: "string", pattern: "^-?[0-9]+$", description: "Base units, decimal" };
const hex64 = { type: "string", pattern: "^[0-9a-f]{64}$" };
const status = { type: "string", enum: ["pending", "confirmed", "conflicted", "orphan"] };
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const ok = (schema: unknown, description = "OK") => ({
  description,
  content: { "application/json": { schema } },
});
const errors = {
  "401": { $ref: "#/components/responses/Unauthorized" },
  "403": { $ref: "#/components/responses/ForbiddenHost" },
};
const get = (summary: string, schema: unknown, parameters: unknown[] = []) => ({
  get: { summary, parameters, responses: { "200": ok(schema), ...errors } },
});
const limit = {
  name: "limit",
  in: "query",
  schema: { type: "integer", minimum: 0, maximum: 1000, default: 50 },
};
const address = {
  name: "address",
  in: "query",
  description: "Only transactions paying to or spending from this address",
  schema: { type: "string" },
};

/** The document. */
export const OPENAPI = {
  openapi: "3.1.0",
  info: {
    title: "crackcoin node API",
    version: "1",
    description: "The local API of a crackcoin node (--http [ADDR:]PORT). Every call sends " +
      "Authorization: Bearer <the content of DATA/.cookie>, and a Host header that is an IP " +
      "address or localhost. Amounts are decimal strings of base units; txids are lowercase hex.",
  },
  servers: [{ url: "http://127.0.0.1:8332" }],
  security: [{ cookieToken: [] }],
  paths: {
    "/api/v1/info": get("Node summary, including the wallet address", ref("Info")),
    "/api/v1/balance": get(
      "The wallet's balance: confirmed, pending, spendable, change, incoming",
      ref("Balance"),
    ),
    "/api/v1/addresses": get("The wallet's addresses", {
      type: "object",
      properties: { addresses: { type: "array", items: ref("Address") } },
    }),
    "/api/v1/receive": get("The address to give a payer", {
      type: "object",
      properties: { address: { type: "string" } },
    }),
    "/api/v1/history": get("Transactions, most recent first", {
      type: "object",
      properties: { transactions: { type: "array", items: ref("TxSummary") } },
    }, [limit, { name: "offset", in: "query", schema: { type: "integer", minimum: 0 } }, address, {
      name: "wallet",
      in: "query",
      description: "1: only transactions that pay to or spend from any of the wallet's addresses",
      schema: { const: "1" },
    }]),
    "/api/v1/tx/{txid}": {
      get: {
        summary:
          "One transaction: inputs, outputs, status, work and weight, conflicts and why the winner won",
        parameters: [{ name: "txid", in: "path", required: true, schema: hex64 }],
        responses: {
          "200": ok(ref("TxDetail")),
          "400": { $ref: "#/components/responses/Error" },
          "404": { $ref: "#/components/responses/Error" },
          ...errors,
        },
      },
    },
    "/api/v1/graph": get("A window of the transaction DAG for the explorer", ref("Graph"), [
      limit,
      address,
    ]),
    "/api/v1/send": {
      post: {
        summary: "Build, store and broadcast a payment",
        requestBody: {
          required: true,
          content: {
            "application/json": {
              schema: {
                type: "object",
                required: ["address", "amount"],
                properties: { address: { type: "string" }, amount },
              },
            },
          },
        },
        responses: {
          "200": ok({ type: "object", properties: { txid: hex64 } }),
          "400": {
            description: "Refused; code is bad-address, bad-amount, insufficient-funds, " +
              "too-many-coins, bad-request or a rule code",
            content: { "application/json": { schema: ref("Error") } },
          },
          "413": { $ref: "#/components/responses/Error" },
          "415": { $ref: "#/components/responses/Error" },
          ...errors,
        },
      },
    },
    "/api/v1/mining": get("Mining statistics", ref("Mining")),
    "/api/v1/peers": get("Peers and network counters", ref("Peers")),
    "/api/v1/sync": {
      ...get("Sync sessions and the ledger summary", ref("Sync")),
      post: {
        summary: "Ask every peer for what it has (the b command)",
        responses: {
          "202": ok({ type: "object", properties: { requested: { const: true } } }),
          ...errors,
        },
      },
    },
    "/api/v1/events": {
      get: {
        summary:
          "Server-Sent Events: received, confirmed, conflicted (as the command loop prints) and sent",
        responses: {
          "200": {
            description: "An endless text/event-stream; each data line is an Event",
            content: { "text/event-stream": { schema: ref("Event") } },
          },
          ...errors,
        },
      },
    },
    "/api/v1/openapi.json": get("This document", { type: "object" }),
  },
  components: {
    securitySchemes: {
      cookieToken: {
        type: "http",
        scheme: "bearer",
        description: "The whole content of DATA/.cookie, new on every start of the node",
      },
    },
    responses: {
      Error: { description: "An error", content: { "application/json": { schema: ref("Error") } } },
      Unauthorized: {
        description: "No token, or not the token of DATA/.cookie (code unauthorized)",
        content: { "application/json": { schema: ref("Error") } },
      },
      ForbiddenHost: {
        description: "The Host header is a DNS name or another port (code forbidden-host)",
        content: { "application/json": { schema: ref("Error") } },
      },
    },
    schemas: {
      Error: {
        type: "object",
        required: ["error"],
        properties: {
          error: {
            type: "object",
            required: ["code", "message"],
            properties: { code: { type: "string" }, message: { type: "string" } },
          },
        },
      },
      Info: {
        type: "object",
        required: ["version", "network", "address", "balance", "ledger", "peers", "mining"],
        properties: {
          version: { type: "string" },
          network: { type: "string" },
          address: { type: "string" },
          balance: {
            type: "object",
            properties: { confirmed: amount, pending: amount },
          },
          ledger: {
            type: "object",
            properties: {
              count: { type: "integer" },
              statuses: { type: "object", additionalProperties: { type: "integer" } },
              summary: { type: "string" },
            },
          },
          peers: { type: "integer" },
          mining: {
            type: "object",
            properties: {
              workers: { type: "integer" },
              hashRate: { type: "number" },
              found: { type: "integer" },
            },
          },
        },
      },
      Balance: {
        type: "object",
        properties: {
          address: { type: "string" },
          confirmed: amount,
          pending: amount,
          spendable: amount,
          change: amount,
          incoming: amount,
        },
      },
      Address: {
        type: "object",
        properties: {
          address: { type: "string" },
          label: { type: ["string", "null"] },
          confirmed: amount,
          pending: amount,
          receive: { type: "boolean" },
        },
      },
      Outpoint: {
        type: "object",
        properties: { txid: hex64, index: { type: "integer" } },
      },
      TxSummary: {
        type: "object",
        properties: {
          txid: hex64,
          status,
          work: {
            type: "integer",
            description: "floor(log2 weight), as the command loop shows it",
          },
          weight: { ...amount, description: "Cumulative weight in hashes (PROTOCOL.md §6)" },
          timestamp: { type: "integer" },
          inputs: { type: "array", items: ref("Outpoint") },
          outputs: {
            type: "array",
            items: { type: "object", properties: { amount, address: { type: "string" } } },
          },
          walletAmount: { type: ["string", "null"] },
        },
      },
      Spender: {
        type: "object",
        properties: {
          txid: hex64,
          status,
          work: { type: "integer" },
          weight: amount,
          timestamp: { type: "integer" },
          winner: { type: "boolean" },
        },
      },
      TxDetail: {
        allOf: [ref("TxSummary"), {
          type: "object",
          properties: {
            conflicts: {
              type: "array",
              items: {
                type: "object",
                properties: {
                  outpoint: ref("Outpoint"),
                  spenders: { type: "array", items: ref("Spender") },
                  winner: hex64,
                  reason: { type: "string" },
                },
              },
            },
            explanation: { type: "string" },
          },
        }],
      },
      Graph: {
        type: "object",
        properties: {
          nodes: { type: "array", items: ref("TxSummary") },
          edges: {
            type: "array",
            items: {
              type: "object",
              properties: { from: hex64, to: hex64, index: { type: "integer" } },
            },
          },
          conflicts: {
            type: "array",
            items: { type: "object", properties: { a: hex64, b: hex64 } },
          },
          approvals: {
            type: "array",
            description: "Confirmation references at tx level: a confirmation of `from` " +
              "approves one of `to` (protocol v2)",
            items: { type: "object", properties: { from: hex64, to: hex64 } },
          },
          total: { type: "integer" },
        },
      },
      Mining: {
        type: "object",
        properties: {
          running: { type: "boolean" },
          workers: { type: "integer" },
          workerHashRates: { type: "array", items: { type: "number" } },
          hashRate: { type: "number" },
          target: { type: ["object", "null"] },
          found: { type: "integer" },
          totalHashes: { type: "number" },
          capBits: { type: "integer" },
        },
      },
      Peers: {
        type: "object",
        properties: {
          peers: { type: "array", items: { type: "object" } },
          counters: { type: "object" },
        },
      },
      Sync: {
        type: "object",
        properties: {
          session: { type: ["object", "null"] },
          sessions: { type: "integer" },
          completed: { type: "integer" },
          abandoned: { type: "integer" },
          requested: { type: "integer" },
          summary: { type: "object" },
        },
      },
      Event: {
        oneOf: [
          {
            type: "object",
            description: "A wallet event (event: received, confirmed, conflicted, reversed, sent)",
            properties: {
              kind: {
                type: "string",
                enum: ["received", "confirmed", "conflicted", "reversed", "sent"],
              },
              txid: hex64,
              amount,
              time: { type: "integer" },
            },
          },
          {
            type: "object",
            description: "The ledger changed (event: ledger), at most once a second",
            properties: {
              kind: { const: "ledger" },
              count: { type: "integer" },
              statusChanges: { type: "integer" },
              time: { type: "integer" },
            },
          },
        ],
      },
    },
  },
} as const;
