package models

import (
	"strconv"

	"gorm.io/gorm"
)

// Keyset is a position in an admin list ordered by one column and then by
// id: the column's value (as text) and the id of the row next to it.
type Keyset struct {
	Value string
	ID    uint64
}

// keysetOrder is a list's order: a column, numeric or text, either way.
type keysetOrder struct {
	column  string
	numeric bool
	desc    bool
}

// arg is a cursor's value as the column compares it.
func (o keysetOrder) arg(v string) any {
	if o.numeric {
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	}
	return v
}

// keysetPage reads up to limit rows of q after (or, with before, ahead of)
// the position at, ordered by o and then by idColumn; key gives a row's
// position. It returns the positions of the neighbouring pages, nil at the
// ends.
func keysetPage[T any](q *gorm.DB, o keysetOrder, idColumn string, at *Keyset, before bool, limit int, key func(T) Keyset) (rows []T, prev, next *Keyset, err error) {
	desc := o.desc != before // the direction this read walks in
	cmp, dir := ">", " ASC"
	if desc {
		cmp, dir = "<", " DESC"
	}
	if at != nil {
		v := o.arg(at.Value)
		q = q.Where("("+o.column+" "+cmp+" ? OR ("+o.column+" = ? AND "+idColumn+" "+cmp+" ?))", v, v, at.ID)
	}
	if err := q.Order(o.column + dir + ", " + idColumn + dir).Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, nil, nil, err
	}
	more := len(rows) > limit
	if more {
		rows = rows[:limit]
	}
	if before {
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
		}
	}
	if len(rows) == 0 {
		return rows, nil, nil, nil
	}
	first, last := key(rows[0]), key(rows[len(rows)-1])
	if (before && more) || (!before && at != nil) {
		prev = &first
	}
	if (!before && more) || before {
		next = &last
	}
	return rows, prev, next, nil
}
