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
// Each database needs its driver linked in: import
// github.com/slipwaygo/slipway/driver/postgres, driver/mysql or
// driver/sqlite for its side effect (a URL without one fails Open, naming
// the import). Options set the pool ([WithPool]), timeouts
// ([WithConnectTimeout], [WithStatementTimeout]), bun query hooks
// ([WithQueryHook]) and verbose SQL ([WithVerboseSQL]):
//
//	db, err := repository.Open("db", url,
//		repository.WithPool(repository.Pool{MaxOpenConns: 20}),
//		repository.WithConnectTimeout(3*time.Second))
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
// nin, between, like, nlike, ilike, nilike, regexp, and, or), order, limit,
// offset, fields and include. [ParseFilter] decodes its JSON form. Field
// names are the model's JSON names; an unknown field, operator or relation
// is a [*FieldError] and never reaches SQL.
//
// Text compares the same on every database: eq, neq, inq, nin, like, nlike
// and regexp are case-sensitive and exact (trailing spaces count), ilike,
// nilike and regexp with the i flag ("/^milk/i") ignore case, and a
// backslash escapes % and _ in patterns. MySQL's case-insensitive
// collations and SQLite's case-insensitive LIKE do not show through.
//
// # Fields
//
// With Filter.Fields, Find reads only the selected columns (and the keys it
// needs); the other fields of the returned structs are zero values that
// were never read. [Repository.Projection] says what the rows truly hold,
// and [Projection.Marshal] encodes them leaving the rest out.
//
// # Relations
//
// [NewHasMany], [NewBelongsTo], [NewHasOne] and [NewHasManyThrough] follow
// bun relations (rel:has-many, rel:belongs-to, rel:has-one, m2m:): the todos
// of a todo list, the list of a todo, the image of a list, the patients of
// a doctor through appointments — find, create, patch and delete through
// the source. Filter.Include loads any of them with the rows, one query per
// relation, a scope narrowing the related rows only.
//
// # Writes
//
// Text with a NUL character, or longer than its column holds (the model's
// declared varchar(n), else the live column read by
// [Repository.Properties], else 255 on MySQL), is a [*FieldError] before
// any SQL, on every database. A write the database refuses for its values
// (a duplicate, a missing reference) is a [*ConstraintError].
//
// # Transactions
//
// [WithDB] puts a transaction or connection into a context; repositories
// called with that context use it. The application does this for migration
// hooks, so that seeding runs inside the migration's transaction and lock.
package repository
