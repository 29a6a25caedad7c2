package rest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/slipwaygo/slipway/repository"
)

// The OpenAPI document is written here rather than by a library: see
// docs/rest.md ("Why not huma"). Schema names follow LoopBack's: Todo,
// NewTodo, TodoPartial, TodoWithRelations, Todo.Filter, Todo.Filter1
// (without where, for finding by id), Todo.WhereFilter, loopback.Count.

// variant is one of the schemas of a model.
type variant int

const (
	plainVariant     variant = iota // every property: a row as created
	newVariant                      // what a client sends to create: no generated key
	partialVariant                  // what a client sends to patch: nothing required
	relationsVariant                // a row as found: any property may be left out by fields, relations included
)

// paramDoc describes a parameter of an operation.
type paramDoc struct {
	name     string
	in       string // "path" or "query"
	required bool
	json     bool // sent as JSON (content application/json) rather than a plain value
	schema   func(d *document) any
}

func idDoc(t reflect.Type) paramDoc {
	return paramDoc{name: "id", in: "path", required: true, schema: func(d *document) any {
		m := d.model(t)
		if m == nil || m.id == nil {
			return map[string]any{"type": "string"}
		}
		s := propSchema(m.id, false)
		if m.id.Generated && m.id.json.name == "integer" {
			s["minimum"] = 1
		}
		delete(s, "pattern")
		return s
	}}
}

func filterDoc(t reflect.Type, withWhere bool) paramDoc {
	suffix := ".Filter"
	if !withWhere {
		suffix = ".Filter1"
	}
	return paramDoc{name: "filter", in: "query", json: true, schema: func(d *document) any {
		d.filter(t, withWhere)
		return d.ref(d.model(t).name + suffix)
	}}
}

func whereDoc(t reflect.Type) paramDoc {
	return paramDoc{name: "where", in: "query", json: true, schema: func(d *document) any {
		name := d.model(t).name + ".WhereFilter"
		d.schemas[name] = map[string]any{"type": "object", "title": name, "additionalProperties": true,
			"description": "A LoopBack where clause over " + d.model(t).name + "; as JSON or in the exploded form where[title]=milk."}
		return d.ref(name)
	}}
}

// bodySchema is a request body of model t; a relation's route names the
// foreign key it sets (optional in the body) and its source model.
func bodySchema(t reflect.Type, v variant, fixed ...string) func(d *document) any {
	return func(d *document) any {
		if len(fixed) == 2 && fixed[0] != "" {
			return d.rowIn(t, fixed[0], fixed[1])
		}
		return d.row(t, v, "")
	}
}

func rowSchema(t reflect.Type, v variant) func(d *document) any {
	return func(d *document) any { return d.row(t, v, "") }
}

func listSchema(t reflect.Type) func(d *document) any {
	return func(d *document) any {
		return map[string]any{"type": "array", "items": d.row(t, relationsVariant, "")}
	}
}

func countSchema(d *document) any {
	d.schemas["loopback.Count"] = map[string]any{"type": "object", "title": "loopback.Count",
		"properties": map[string]any{"count": map[string]any{"type": "number"}}, "required": []string{"count"}}
	return d.ref("loopback.Count")
}

// document builds the OpenAPI document.
type document struct {
	models  map[reflect.Type]*model
	schemas map[string]any
}

func (d *document) ref(name string) map[string]any {
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

func (d *document) model(t reflect.Type) *model { return d.models[t] }

// rowIn is the body creating a t through a relation of source, which sets
// the foreign key fixed: LoopBack's NewTodoInTodoList.
func (d *document) rowIn(t reflect.Type, fixed, source string) any {
	return d.schema(t, newVariant, fixed, "New"+d.model(t).name+"In"+source)
}

// row adds a model's schema of the given variant and returns a reference
// to it.
func (d *document) row(t reflect.Type, v variant, fixed string) any {
	m := d.model(t)
	name := map[variant]string{plainVariant: m.name, newVariant: "New" + m.name, partialVariant: m.name + "Partial", relationsVariant: m.name + "WithRelations"}[v]
	return d.schema(t, v, fixed, name)
}

// schema adds the schema name of model t, variant v, where the property
// fixed (a relation's foreign key) is optional.
func (d *document) schema(t reflect.Type, v variant, fixed, name string) any {
	m := d.model(t)
	if _, done := d.schemas[name]; done {
		return d.ref(name)
	}
	d.schemas[name] = nil // reserve: relations may come back here
	props := map[string]any{}
	var required []string
	for i := range m.props {
		p := &m.props[i]
		if p.Generated && (v == newVariant || v == partialVariant) {
			continue
		}
		props[p.Name] = propSchema(p, v == partialVariant)
		switch {
		case v == relationsVariant || v == partialVariant || p.Name == fixed:
		case p.Required || v == plainVariant && p.PrimaryKey:
			required = append(required, p.Name)
		}
	}
	if v == relationsVariant {
		for _, r := range m.rels {
			target := d.row(r.Target, relationsVariant, "")
			if r.Kind == repository.HasManyKind || r.Kind == repository.HasManyThroughKind {
				target = map[string]any{"type": "array", "items": target}
			}
			props[r.Name] = target
		}
	}
	s := map[string]any{"type": "object", "title": name, "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		s["required"] = required
	}
	switch v {
	case newVariant:
		s["description"] = "A new " + m.name + ": what to send to create one."
	case partialVariant:
		s["description"] = "Some properties of a " + m.name + ": what to send to update one."
	case relationsVariant:
		s["description"] = "A " + m.name + " as found: fields may leave properties out; included relations are added."
	}
	d.schemas[name] = s
	return d.ref(name)
}

// propSchema is the JSON Schema of one property.
func propSchema(p *prop, partial bool) map[string]any {
	s := typeSchema(p.json)
	if p.Nullable && p.json.nullable && p.json.name != "" {
		s["type"] = []string{p.json.name, "null"}
	}
	if p.json.name == "string" && p.json.format == "" {
		if p.MaxLength > 0 {
			s["maxLength"] = p.MaxLength
		}
		if p.Required && !partial {
			s["minLength"] = 1
		}
		s["pattern"] = nulPattern
	}
	return s
}

func typeSchema(jt jsonType) map[string]any {
	s := map[string]any{}
	if jt.name == "" {
		return s // any JSON value
	}
	s["type"] = jt.name
	if jt.format != "" {
		s["format"] = jt.format
	}
	if jt.min != nil {
		s["minimum"] = *jt.min
	}
	if jt.max != nil {
		s["maximum"] = *jt.max
	}
	if jt.items != nil {
		s["items"] = typeSchema(*jt.items)
	}
	return s
}

// filter adds a model's filter schema (Filter, or Filter1 without where)
// and what it refers to.
func (d *document) filter(t reflect.Type, withWhere bool) {
	m := d.model(t)
	name := m.name + ".Filter"
	if !withWhere {
		name = m.name + ".Filter1"
	}
	if _, done := d.schemas[name]; done {
		return
	}
	d.schemas[name] = nil
	var names []string
	fieldProps := map[string]any{}
	for _, p := range m.props {
		names = append(names, p.Name)
		fieldProps[p.Name] = map[string]any{"type": "boolean"}
	}
	page := map[string]any{"type": "integer", "minimum": 0}
	props := map[string]any{
		"offset": page,
		"limit":  map[string]any{"type": "integer", "minimum": 0, "examples": []int{100}},
		"skip":   page,
		"order": map[string]any{"oneOf": []any{
			map[string]any{"type": "string"},
			map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
		}},
		"fields": map[string]any{"oneOf": []any{
			map[string]any{"type": "object", "properties": fieldProps, "additionalProperties": false},
			map[string]any{"type": "array", "items": map[string]any{"type": "string", "enum": names}, "uniqueItems": true},
		}},
	}
	if withWhere {
		props["where"] = map[string]any{"type": "object", "title": m.name + ".WhereFilter", "additionalProperties": true}
	}
	if len(m.rels) > 0 {
		var relNames []string
		items := []any{}
		for _, r := range m.rels {
			relNames = append(relNames, r.Name)
			d.filter(r.Target, true)
			items = append(items, map[string]any{
				"type": "object",
				"properties": map[string]any{
					"relation": map[string]any{"const": r.Name},
					"scope":    d.ref(d.model(r.Target).name + ".Filter"),
				},
				"required":             []string{"relation"},
				"additionalProperties": false,
			})
		}
		items = append(items, map[string]any{"type": "string", "enum": relNames})
		include := map[string]any{"type": "array", "items": map[string]any{"anyOf": items}}
		props["include"] = map[string]any{"oneOf": []any{include, map[string]any{"type": "string", "enum": relNames}}}
	}
	d.schemas[name] = map[string]any{"type": "object", "title": name, "properties": props, "additionalProperties": false,
		"description": "A LoopBack filter over " + m.name + "; as JSON or in the exploded form filter[where][title]=milk&filter[limit]=10."}
}

// Document returns the OpenAPI 3.1 document of the server's routes, as
// JSON: every route with its parameters, request body and responses, the
// models' schemas (with the live column sizes once read), and /ping,
// /health and /openapi.json themselves.
func (s *Server) Document() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.doc != nil {
		return s.doc, nil
	}
	d := &document{models: s.models, schemas: map[string]any{}}
	paths := map[string]map[string]any{}
	for _, op := range s.ops {
		item := paths[op.path]
		if item == nil {
			item = map[string]any{}
			paths[op.path] = item
		}
		item[strings.ToLower(op.method)] = d.operation(op)
	}
	for path, item := range builtinPaths() {
		paths[path] = item
	}
	d.schemas["Error"] = errorSchema()
	d.schemas["PingResponse"] = map[string]any{"type": "object", "title": "PingResponse", "properties": map[string]any{
		"greeting": map[string]any{"type": "string"},
		"date":     map[string]any{"type": "string", "format": "date-time"},
		"url":      map[string]any{"type": "string"},
	}, "required": []string{"greeting", "date", "url"}}
	d.schemas["HealthResponse"] = map[string]any{"type": "object", "title": "HealthResponse", "properties": map[string]any{
		"status": map[string]any{"type": "string", "enum": []string{"UP", "DOWN"}},
		"checks": map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{
			"name":  map[string]any{"type": "string"},
			"state": map[string]any{"type": "string", "enum": []string{"UP", "DOWN"}},
		}, "required": []string{"name", "state"}}},
	}, "required": []string{"status", "checks"}}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info":    map[string]any{"title": s.cfg.Title, "version": s.cfg.Version},
		"paths":   paths,
		"components": map[string]any{
			"schemas": d.schemas,
			"responses": map[string]any{"Error": map[string]any{
				"description": "An error, in LoopBack's shape",
				"content":     map[string]any{"application/json": map[string]any{"schema": d.ref("Error")}},
			}},
		},
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("rest: OpenAPI document: %w", err)
	}
	s.doc = data
	return data, nil
}

func (d *document) operation(op *operation) map[string]any {
	o := map[string]any{"operationId": op.id, "summary": op.summary, "tags": []string{op.tag}}
	var params []any
	for _, p := range op.params {
		param := map[string]any{"name": p.name, "in": p.in}
		if p.required {
			param["required"] = true
		}
		if p.json {
			param["content"] = map[string]any{"application/json": map[string]any{"schema": p.schema(d)}}
		} else {
			param["schema"] = p.schema(d)
		}
		params = append(params, param)
	}
	if params != nil {
		o["parameters"] = params
	}
	if op.body != nil {
		o["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": op.body(d)}}}
	}
	ok := map[string]any{"description": op.describe}
	if op.response != nil {
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": op.response(d)}}
	}
	errRef := map[string]any{"$ref": "#/components/responses/Error"}
	o["responses"] = map[string]any{strconv.Itoa(op.status): ok, "4XX": errRef, "5XX": errRef}
	return o
}

func builtinPaths() map[string]map[string]any {
	jsonOf := func(name string) map[string]any {
		return map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/" + name}}}
	}
	return map[string]map[string]any{
		"/ping": {"get": map[string]any{"operationId": "PingController.ping", "summary": "Answer with a greeting", "tags": []string{"PingController"},
			"responses": map[string]any{"200": map[string]any{"description": "Ping response", "content": jsonOf("PingResponse")}}}},
		"/health": {"get": map[string]any{"operationId": "HealthController.health", "summary": "Ping every datasource", "tags": []string{"HealthController"},
			"responses": map[string]any{
				"200": map[string]any{"description": "Every datasource answers", "content": jsonOf("HealthResponse")},
				"503": map[string]any{"description": "A datasource does not answer", "content": jsonOf("HealthResponse")},
			}}},
		"/openapi.json": {"get": map[string]any{"operationId": "OpenAPIController.document", "summary": "This document", "tags": []string{"OpenAPIController"},
			"responses": map[string]any{"200": map[string]any{"description": "The OpenAPI 3.1 document",
				"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}}}}},
	}
}

func errorSchema() map[string]any {
	detail := map[string]any{"type": "object", "properties": map[string]any{
		"path":    map[string]any{"type": "string"},
		"code":    map[string]any{"type": "string"},
		"message": map[string]any{"type": "string"},
		"info":    map[string]any{"type": "object"},
	}, "required": []string{"path", "code", "message"}}
	return map[string]any{"type": "object", "title": "Error", "properties": map[string]any{
		"error": map[string]any{"type": "object", "properties": map[string]any{
			"statusCode": map[string]any{"type": "integer"},
			"name":       map[string]any{"type": "string"},
			"message":    map[string]any{"type": "string"},
			"code":       map[string]any{"type": "string"},
			"details":    map[string]any{"type": "array", "items": detail},
		}, "required": []string{"statusCode", "name", "message"}},
		"status":  map[string]any{"type": "integer"},
		"message": map[string]any{"type": "string"},
	}, "required": []string{"error", "status", "message"}}
}
