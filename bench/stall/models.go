package main

import "github.com/uptrace/bun"

// The table under traffic, and the model changes made to it.

type parent struct {
	bun.BaseModel `bun:"table:stall_parent"`
	ID            int64 `bun:"id,pk"`
}

type base struct {
	bun.BaseModel `bun:"table:stall"`
	ID            int64   `bun:"id,pk"`
	N             int32   `bun:"n,type:integer,notnull"`
	S             *string `bun:"s,type:varchar(40)"`
	D             float64 `bun:"d,type:numeric(10,2)"`
	P             int64   `bun:"p,type:bigint"`
}

type addNullable struct {
	base `bun:",extend"`
	Note *string `bun:"note,type:varchar(100)"`
}

type addDefault struct {
	base `bun:",extend"`
	Flag bool `bun:"flag,type:boolean,default:false"`
}

type addNotNullDefault struct {
	base   `bun:",extend"`
	Status string `bun:"status,type:varchar(20),notnull,default:'new'"`
}

type addVolatileDefault struct {
	base `bun:",extend"`
	R    float64 `bun:"r,type:double precision,notnull,default:random()"`
}

// addRandDefault is addVolatileDefault as MySQL spells the function.
type addRandDefault struct {
	base `bun:",extend"`
	R    float64 `bun:"r,type:double,notnull,default:(rand())"`
}

type addIndex struct {
	bun.BaseModel `bun:"table:stall"`
	ID            int64   `bun:"id,pk"`
	N             int32   `bun:"n,type:integer,notnull" slipway:"index"`
	S             *string `bun:"s,type:varchar(40)"`
	D             float64 `bun:"d,type:numeric(10,2)"`
	P             int64   `bun:"p,type:bigint"`
}

type addUnique struct {
	bun.BaseModel `bun:"table:stall"`
	ID            int64   `bun:"id,pk"`
	N             int32   `bun:"n,type:integer,notnull"`
	S             *string `bun:"s,type:varchar(40),unique"`
	D             float64 `bun:"d,type:numeric(10,2)"`
	P             int64   `bun:"p,type:bigint"`
}

type addForeignKey struct {
	bun.BaseModel `bun:"table:stall"`
	ID            int64   `bun:"id,pk"`
	N             int32   `bun:"n,type:integer,notnull"`
	S             *string `bun:"s,type:varchar(40)"`
	D             float64 `bun:"d,type:numeric(10,2)"`
	P             int64   `bun:"p,type:bigint"`
	Parent        *parent `bun:"rel:belongs-to,join:p=id"`
}

type setNotNull struct {
	bun.BaseModel `bun:"table:stall"`
	ID            int64   `bun:"id,pk"`
	N             int32   `bun:"n,type:integer,notnull"`
	S             string  `bun:"s,type:varchar(40),notnull"`
	D             float64 `bun:"d,type:numeric(10,2)"`
	P             int64   `bun:"p,type:bigint"`
}

type dropNotNull struct {
	bun.BaseModel `bun:"table:stall"`
	ID            int64   `bun:"id,pk"`
	N             *int32  `bun:"n,type:integer"`
	S             *string `bun:"s,type:varchar(40)"`
	D             float64 `bun:"d,type:numeric(10,2)"`
	P             int64   `bun:"p,type:bigint"`
}

type widenVarchar struct {
	bun.BaseModel `bun:"table:stall"`
	ID            int64   `bun:"id,pk"`
	N             int32   `bun:"n,type:integer,notnull"`
	S             *string `bun:"s,type:varchar(60)"`
	D             float64 `bun:"d,type:numeric(10,2)"`
	P             int64   `bun:"p,type:bigint"`
}

type widenNumeric struct {
	bun.BaseModel `bun:"table:stall"`
	ID            int64   `bun:"id,pk"`
	N             int32   `bun:"n,type:integer,notnull"`
	S             *string `bun:"s,type:varchar(40)"`
	D             float64 `bun:"d,type:numeric(12,2)"`
	P             int64   `bun:"p,type:bigint"`
}

type widenInt struct {
	bun.BaseModel `bun:"table:stall"`
	ID            int64   `bun:"id,pk"`
	N             int64   `bun:"n,type:bigint,notnull"`
	S             *string `bun:"s,type:varchar(40)"`
	D             float64 `bun:"d,type:numeric(10,2)"`
	P             int64   `bun:"p,type:bigint"`
}

type changeDefault struct {
	bun.BaseModel `bun:"table:stall"`
	ID            int64   `bun:"id,pk"`
	N             int32   `bun:"n,type:integer,notnull"`
	S             *string `bun:"s,type:varchar(40),default:'x'"`
	D             float64 `bun:"d,type:numeric(10,2)"`
	P             int64   `bun:"p,type:bigint"`
}

const (
	pg = "PostgreSQL"
	my = "MySQL"
)

// kinds are the changes Migrate applies by default (and two it withholds
// on a big table: a rewrite and a volatile default).
func kinds(dialect string) []kind {
	start := []any{(*parent)(nil), (*base)(nil)}
	with := func(m any) []any { return []any{(*parent)(nil), m} }
	var volatile any = (*addVolatileDefault)(nil)
	if dialect == my {
		volatile = (*addRandDefault)(nil)
	}
	return []kind{
		{"add a nullable column", start, with((*addNullable)(nil)), map[string]string{
			pg: "ALTER TABLE stall ADD COLUMN note varchar(100)", my: "ALTER TABLE stall ADD COLUMN note varchar(100)"}},
		{"add a column with a constant default", start, with((*addDefault)(nil)), map[string]string{
			pg: "ALTER TABLE stall ADD COLUMN flag boolean DEFAULT false", my: "ALTER TABLE stall ADD COLUMN flag boolean DEFAULT false"}},
		{"add a NOT NULL column with a default", start, with((*addNotNullDefault)(nil)), map[string]string{
			pg: "ALTER TABLE stall ADD COLUMN status varchar(20) NOT NULL DEFAULT 'new'", my: "ALTER TABLE stall ADD COLUMN status varchar(20) NOT NULL DEFAULT 'new'"}},
		{"add an index", start, with((*addIndex)(nil)), map[string]string{
			pg: "CREATE INDEX stall_n_idx ON stall (n)", my: "CREATE INDEX stall_n_idx ON stall (n)"}},
		{"add a unique constraint", start, with((*addUnique)(nil)), map[string]string{
			pg: "ALTER TABLE stall ADD CONSTRAINT stall_s_key UNIQUE (s)", my: "ALTER TABLE stall ADD UNIQUE KEY stall_s_key (s)"}},
		{"add a foreign key", start, with((*addForeignKey)(nil)), map[string]string{
			pg: "ALTER TABLE stall ADD CONSTRAINT stall_p_fkey FOREIGN KEY (p) REFERENCES stall_parent (id)",
			my: "ALTER TABLE stall ADD CONSTRAINT stall_p_fkey FOREIGN KEY (p) REFERENCES stall_parent (id)"}},
		{"set NOT NULL", start, with((*setNotNull)(nil)), map[string]string{
			pg: "ALTER TABLE stall ALTER COLUMN s SET NOT NULL", my: "ALTER TABLE stall MODIFY COLUMN s varchar(40) NOT NULL"}},
		{"drop NOT NULL", start, with((*dropNotNull)(nil)), map[string]string{
			pg: "ALTER TABLE stall ALTER COLUMN n DROP NOT NULL", my: "ALTER TABLE stall MODIFY COLUMN n int NULL"}},
		{"widen a varchar", start, with((*widenVarchar)(nil)), map[string]string{
			pg: "ALTER TABLE stall ALTER COLUMN s TYPE varchar(60)", my: "ALTER TABLE stall MODIFY COLUMN s varchar(60)"}},
		{"widen a numeric", start, with((*widenNumeric)(nil)), map[string]string{
			pg: "ALTER TABLE stall ALTER COLUMN d TYPE numeric(12,2)", my: "ALTER TABLE stall MODIFY COLUMN d decimal(12,2)"}},
		{"change a default", start, with((*changeDefault)(nil)), map[string]string{
			pg: "ALTER TABLE stall ALTER COLUMN s SET DEFAULT 'x'", my: "ALTER TABLE stall MODIFY COLUMN s varchar(40) DEFAULT 'x'"}},
		{"int to bigint", start, with((*widenInt)(nil)), map[string]string{
			pg: "ALTER TABLE stall ALTER COLUMN n TYPE bigint", my: "ALTER TABLE stall MODIFY COLUMN n bigint NOT NULL"}},
		{"a volatile default", start, with(volatile), map[string]string{
			pg: "ALTER TABLE stall ADD COLUMN r double precision NOT NULL DEFAULT random()", my: "ALTER TABLE stall ADD COLUMN r double NOT NULL DEFAULT (rand())"}},
	}
}
