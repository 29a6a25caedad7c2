// Package repository is where Slipway applications read and write data:
// datasources, generic CRUD repositories for bun models, LoopBack-style
// filters and relations.
//
// # Datasources
//
// A [DataSource] is anything an application registers under a name. [SQL]
// is a database, opened from a URL without I/O:
//
//	db, err := repository.Open("db", "postgres://app:secret@db:5432/app")
//	db, err := repository.Open("db", "sqlite:todo.db")
//
// Errors and String never show the password, nor a secret query parameter
// (?password=, ?sslpassword=, ?api_key=, ...). [HTTP] is a web service: it is
// a datasource too, and not migratable.
//
// # Repositories
//
// [New] returns a [Repository] for a bun model and attaches the model to the
// datasource, so that migrating the datasource creates its table:
//
//	todos, err := repository.New[Todo](db)
//	err = todos.Create(ctx, &Todo{Title: "milk"})
//	open, err := todos.Find(ctx, &repository.Filter{
//		Where: repository.Where{"isComplete": false},
//		Order: []string{"id DESC"},
//		Limit: 10,
//	})
//	_, err = todos.FindByID(ctx, 42, nil) // errors.Is(err, repository.ErrNotFound)
//
// # Filters
//
// A [Filter] is LoopBack's filter: where (eq, neq, gt, gte, lt, lte, inq,
// nin, between, like, nlike, and, or), order, limit, offset, fields and
// include. [ParseFilter] decodes its JSON form. Field names are the model's
// JSON names; an unknown field, operator or relation is a [*FieldError] and
// never reaches SQL.
//
// # Relations
//
// [NewHasMany] and [NewBelongsTo] follow bun relations: the todos of a todo
// list (find, create, patch, delete through the list), the list of a todo.
//
// # Transactions
//
// [WithDB] puts a transaction or connection into a context; repositories
// called with that context use it. The application does this for migration
// hooks, so that seeding runs inside the migration's transaction and lock.
package repository
