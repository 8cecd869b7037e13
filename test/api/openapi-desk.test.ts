import { describe, expect, it } from "vitest";
import { call } from "../helpers/api";

describe("OpenAPI document: the agent desk's routes", () => {
  it("lists canned answers, ticket updates and closes with their roles and schemas", async () => {
    const res = await call("/api/openapi.json");
    expect(res.status).toBe(200);
    const paths = res.data.paths;
    const prefix = "/api/v1";
    expect(Object.keys(paths[`${prefix}/canned-answers`]).sort()).toEqual(["get", "post"]);
    expect(Object.keys(paths[`${prefix}/canned-answers/{id}`]).sort()).toEqual(["delete", "get", "patch"]);
    expect(paths[`${prefix}/canned-answers`].post["x-required-roles"]).toEqual(["admin", "supervisor"]);
    expect(Object.keys(paths[`${prefix}/tickets/{id}`]).sort()).toEqual(["delete", "get", "patch"]);
    expect(paths[`${prefix}/tickets/{id}`].delete["x-required-roles"]).toEqual(["admin", "supervisor"]);
    expect(paths[`${prefix}/tickets/{id}/close`].post.requestBody.content["application/json"].schema.$ref).toBe("#/components/schemas/TicketClose");
    const schemas = res.data.components.schemas;
    expect(Object.keys(schemas.Ticket.properties)).toEqual(expect.arrayContaining(["disposition", "closedBy", "tags", "subject"]));
    expect(Object.keys(schemas.TicketDetail.properties)).toEqual(expect.arrayContaining(["unread", "replyWindow"]));
    expect(Object.keys(schemas.Message.properties)).toContain("revisions");
    expect(schemas.CannedAnswer).toBeDefined();
  });
});
