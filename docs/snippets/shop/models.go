// Models of 3 tables and 1 view of a PostgreSQL database, written by slipway discover.
// A schema.Migrator of Models finds that database actual. Edit freely.

package shop

import (
	"time"

	"github.com/slipwaygo/slipway/schema"
	"github.com/uptrace/bun"
)

// Customer is table "customers".
type Customer struct {
	bun.BaseModel `bun:"table:customers"`

	ID        int64     `bun:"id,pk,autoincrement" json:"id"`
	Email     string    `bun:"email,type:varchar(80),notnull,unique" json:"email"`
	Name      *string   `bun:"name,type:varchar(40)" json:"name"`
	Vip       bool      `bun:"vip,notnull,default:false" json:"vip"`
	CreatedAt time.Time `bun:"created_at,notnull,default:current_timestamp" json:"createdAt"`
}

// Indexes declares the indexes of table "customers" that struct tags cannot.
func (*Customer) Indexes() []schema.Index {
	return []schema.Index{
		{Name: "customers_lower_name_idx", Expr: "lower((name)::text)"},
	}
}

// OrderLine is table "order_lines".
type OrderLine struct {
	bun.BaseModel `bun:"table:order_lines"`

	OrderID int64  `bun:"order_id,pk" json:"orderId"`
	LineNo  int32  `bun:"line_no,pk" json:"lineNo"`
	Sku     string `bun:"sku,type:varchar(20),notnull" json:"sku"`
	Qty     int32  `bun:"qty,notnull,default:1" json:"qty"`
	// column "amount" is generated (((qty)::numeric * 2.5)): bun cannot declare
	// that; the model declares a plain column, which leaves it as it is, and
	// inserts must leave it out
	Amount *string `bun:"amount,type:numeric(10,2)" json:"amount"`

	// foreign key "order_lines_order_id_fkey" ((order_id) -> orders (id) ON
	// DELETE CASCADE) is over primary key columns, for which bun's relations
	// declare no foreign key; the model's relation serves queries only, and the
	// migrator keeps the foreign key as it is (it would not create it)
	Order *Order `bun:"rel:belongs-to,join:order_id=id,on_delete:cascade" json:"order,omitempty"`
}

// Order is table "orders".
type Order struct {
	bun.BaseModel `bun:"table:orders"`

	ID         int64     `bun:"id,pk,identity" json:"id"`
	CustomerID int64     `bun:"customer_id,notnull" slipway:"index:orders_customer_placed_idx" json:"customerId"`
	Status     string    `bun:"status,type:order_status,notnull,default:'new'" json:"status"`
	Total      string    `bun:"total,type:numeric(10,2),notnull,default:0" json:"total"`
	Tags       []string  `bun:"tags,type:text[],array" json:"tags"`
	PlacedAt   time.Time `bun:"placed_at,notnull,default:current_timestamp" slipway:"index:orders_customer_placed_idx" json:"placedAt"`

	Customer *Customer `bun:"rel:belongs-to,join:customer_id=id,on_delete:cascade" json:"customer,omitempty"`
}

// BigOrder is view "big_orders". Read it with bun; it is not in Models, since a
// migrator would create it as a table.
type BigOrder struct {
	bun.BaseModel `bun:"table:big_orders"`

	ID         *int64  `bun:"id" json:"id"`
	CustomerID *int64  `bun:"customer_id" json:"customerId"`
	Total      *string `bun:"total,type:numeric(10,2)" json:"total"`
}

// Models lists the models of the tables, for schema.NewMigrator.
var Models = []any{
	(*Customer)(nil),
	(*OrderLine)(nil),
	(*Order)(nil),
}

// Views lists the models of the views, to read with bun; a migrator must not get them.
var Views = []any{
	(*BigOrder)(nil),
}
