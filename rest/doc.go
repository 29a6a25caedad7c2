// Package rest serves repositories over HTTP the way LoopBack 4's
// CrudRestController and relation controllers do, with an OpenAPI 3.1
// document generated from the models.
//
// # Routes
//
// An application declares its routes next to its repositories; nothing
// else is written by hand:
//
//	app.New(
//		boot.DataSource("db", url),
//		boot.Repository[TodoList]("db"),
//		boot.Repository[Todo]("db"),
//		rest.Module(rest.Config{Addr: "127.0.0.1:3000"}),
//		rest.Model[Todo]("/todos"),
//		rest.Model[TodoList]("/todo-lists"),
//		rest.HasMany[TodoList, Todo]("/todo-lists/{id}/todos", "todos"),
//		rest.BelongsTo[Todo, TodoList]("/todos/{id}/todo-list", "todoList"),
//	)
//
// [Model] serves create, find, count, update-all, and find, patch, replace
// and delete by id ([Controller]); [HasMany], [HasManyThrough], [HasOne]
// and [BelongsTo] serve relations. Without fx, [NewController] and the
// other constructors build the same routes and [NewServer] serves them.
// The server also answers GET /openapi.json, /ping and /health (200 when
// every datasource answers a ping, 503 when one does not).
//
// # Filters
//
// find takes LoopBack's filter (where, fields, order, limit, skip, include
// with scope) and count, update-all and delete take a where, as JSON
// (?filter={"where":{"title":"milk"}}) or in the exploded form
// (?filter[where][title]=milk&filter[limit]=2). fields leaves the
// properties it does not select out of the answer. A filter over the
// server's Limits is a 400 naming the limit.
//
// # Validation and errors
//
// Bodies are checked against the model before anything is written: unknown
// or generated properties, missing required ones, values of the wrong
// type, text longer than its column (the model's declared type, else the
// live column) or holding a NUL character are a 422 on every database, with
// one detail per problem. Malformed JSON is a 400, a body over
// Config.MaxBodyBytes a 413. Errors have LoopBack's shape and names
// ([Error]); a 500 is InternalServerError and says nothing of its cause,
// which is logged. [Check] adds an application's own rules.
//
// See docs/rest.md for the routes, the error shapes and real answers.
package rest
