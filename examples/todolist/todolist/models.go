package todolist

import "github.com/uptrace/bun"

// TodoList is a named list of todos, with at most one image; deleting a
// list deletes its todos and its image.
type TodoList struct {
	bun.BaseModel `bun:"table:todo_lists"`

	ID    int64   `bun:"id,pk,autoincrement" json:"id"`
	Title string  `bun:"title,notnull" json:"title"`
	Color *string `bun:"color" json:"color,omitempty"`

	Todos []*Todo        `bun:"rel:has-many,join:id=todo_list_id" json:"todos,omitempty"`
	Image *TodoListImage `bun:"rel:has-one,join:id=todo_list_id" json:"image,omitempty"`
}

// TodoListImage is the picture of a TodoList (LoopBack's has-one example):
// the unique index on todo_list_id holds the "one".
type TodoListImage struct {
	bun.BaseModel `bun:"table:todo_list_images"`

	ID         int64  `bun:"id,pk,autoincrement" json:"id"`
	TodoListID int64  `bun:"todo_list_id,notnull" slipway:"unique_index" json:"todoListId"`
	Value      string `bun:"value,notnull" json:"value"`

	TodoList *TodoList `bun:"rel:belongs-to,join:todo_list_id=id,on_delete:CASCADE" json:"todoList,omitempty"`
}

// Todo is one thing to do, optionally in a TodoList. When the geocoder
// datasource is configured, a todo's RemindAtAddress is looked up and its
// coordinates stored in RemindAtGeo ("lat,lng").
type Todo struct {
	bun.BaseModel `bun:"table:todos"`

	ID              int64   `bun:"id,pk,autoincrement" json:"id"`
	Title           string  `bun:"title,notnull" json:"title"`
	Desc            *string `bun:"desc" json:"desc,omitempty"`
	IsComplete      bool    `bun:"is_complete,notnull,default:false" json:"isComplete"`
	TodoListID      *int64  `bun:"todo_list_id" slipway:"index" json:"todoListId,omitempty"`
	RemindAtAddress *string `bun:"remind_at_address" json:"remindAtAddress,omitempty"`
	RemindAtGeo     *string `bun:"remind_at_geo" json:"remindAtGeo,omitempty"`

	TodoList *TodoList `bun:"rel:belongs-to,join:todo_list_id=id,on_delete:CASCADE" json:"todoList,omitempty"`
}
