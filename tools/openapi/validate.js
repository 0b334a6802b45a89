#!/usr/bin/env node
/*  validate.js: checks an OpenAPI 3.0 document.

        node tools/openapi/validate.js FILE_OR_URL

    1. @apidevtools/swagger-parser resolves every $ref and validates the
       document against the official OpenAPI 3.0 JSON Schema.
    2. Then the rules of the OpenAPI 3.0 specification that the JSON Schema
       cannot express (swagger-parser checks them for Swagger 2.0 only):
       unique operationIds; every {name} of a path template declared as a
       required path parameter and every path parameter in the template;
       no parameter twice; security requirements naming declared schemes;
       required properties of object schemas that exist.

    Exit 0 and "valid OpenAPI 3.0.x: N paths", or exit 1 and the errors.
    Works offline: nothing but the document itself is fetched.
*/
"use strict";

const fs = require("fs");
const SwaggerParser = require("@apidevtools/swagger-parser");

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

async function load(source) {
    let text;
    if (/^https?:\/\//i.test(source)) {
        const response = await fetch(source);
        if (!response.ok)
            throw new Error(`GET ${source}: HTTP ${response.status}`);
        text = await response.text();
    } else
        text = fs.readFileSync(source, "utf8");
    try {
        return JSON.parse(text);
    } catch (error) {
        throw new Error(`${source} is not JSON: ${error.message}`);
    }
}

//  The spec's rules beyond the JSON Schema, on the dereferenced document.
function checkSemantics(api) {
    const errors = [];
    const operationIds = new Map();
    const schemes = Object.keys((api.components && api.components.securitySchemes) || {});
    const checkSecurity = (security, where) => {
        for (const requirement of security || [])
            for (const name of Object.keys(requirement))
                if (!schemes.includes(name))
                    errors.push(`${where}: security scheme '${name}' is not declared`);
    };
    checkSecurity(api.security, "security");
    for (const [path, item] of Object.entries(api.paths || {})) {
        const template = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
        for (const method of METHODS) {
            const operation = item[method];
            if (!operation)
                continue;
            const where = `${method.toUpperCase()} ${path}`;
            if (operation.operationId) {
                if (operationIds.has(operation.operationId))
                    errors.push(`${where}: operationId '${operation.operationId}' is also used by ` +
                                operationIds.get(operation.operationId));
                else
                    operationIds.set(operation.operationId, where);
            }
            //  Operation parameters override path-level ones (same name and in).
            const parameters = new Map();
            for (const parameter of item.parameters || [])
                parameters.set(`${parameter.in}:${parameter.name}`, parameter);
            const seen = new Set();
            for (const parameter of operation.parameters || []) {
                const key = `${parameter.in}:${parameter.name}`;
                if (seen.has(key))
                    errors.push(`${where}: parameter '${parameter.name}' (${parameter.in}) twice`);
                seen.add(key);
                parameters.set(key, parameter);
            }
            for (const name of template) {
                const parameter = parameters.get(`path:${name}`);
                if (!parameter)
                    errors.push(`${where}: path parameter '${name}' is not declared`);
                else if (parameter.required !== true)
                    errors.push(`${where}: path parameter '${name}' must be required`);
            }
            for (const parameter of parameters.values())
                if (parameter.in === "path" && !template.includes(parameter.name))
                    errors.push(`${where}: path parameter '${parameter.name}' is not in the path`);
            checkSecurity(operation.security, where);
        }
    }
    //  Required properties that are not defined (object schemas that close
    //  their properties only: others may have them through
    //  additionalProperties).
    const visited = new Set();
    const walk = (node, where) => {
        if (!node || typeof node !== "object" || visited.has(node))
            return;
        visited.add(node);
        if (node.type === "object" && Array.isArray(node.required) && node.properties &&
            node.additionalProperties === false)
            for (const name of node.required)
                if (!(name in node.properties))
                    errors.push(`${where}: required property '${name}' is not defined`);
        for (const [key, value] of Object.entries(node))
            walk(value, `${where}/${key}`);
    };
    walk(api, "#");
    return errors;
}

async function main() {
    const source = process.argv[2];
    if (!source || process.argv.length > 3) {
        console.error("usage: node validate.js FILE_OR_URL");
        return 2;
    }
    let api;
    try {
        api = await load(source);
    } catch (error) {
        console.error(`invalid: ${error.message}`);
        return 1;
    }
    const version = typeof api.openapi === "string" ? api.openapi : "";
    if (!/^3\.0\.\d+$/.test(version)) {
        console.error(`invalid: "openapi" is ${JSON.stringify(api.openapi)}, not 3.0.x`);
        return 1;
    }
    const paths = Object.keys(api.paths || {}).length;
    let dereferenced;
    try {
        //  validate() dereferences in place: give it a copy.
        dereferenced = await SwaggerParser.validate(structuredClone(api));
    } catch (error) {
        console.error(`invalid OpenAPI ${version}:`);
        for (const detail of error.details || [])
            console.error(`  ${(detail.instancePath || detail.path || []).toString() || "#"}: ${
                detail.message}`);
        console.error(`  ${error.message}`);
        return 1;
    }
    const errors = checkSemantics(dereferenced);
    if (errors.length) {
        console.error(`invalid OpenAPI ${version}:`);
        for (const error of errors)
            console.error(`  ${error}`);
        return 1;
    }
    console.log(`valid OpenAPI ${version}: ${paths} paths`);
    return 0;
}

main().then((code) => process.exit(code), (error) => {
    console.error(`validate.js: ${error.stack || error}`);
    process.exit(1);
});
