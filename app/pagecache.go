package app

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"golang.org/x/sync/singleflight"

	"rango/models"
)

// pageCache keeps what every visitor's page shows alike (the top lists, a
// category with its pages) for a short time, so that a returning visitor's
// page view costs one database round trip: the session read. It is a
// cache, not state: each instance fills its own, this instance forgets an
// entry as soon as it changes it, and other instances show the change
// within the TTL. A zero TTL turns it off.
type pageCache struct {
	entries *expirable.LRU[string, any] // nil when the cache is off
	loads   singleflight.Group
}

// pageCacheSize bounds the entries: the top lists and the categories.
const pageCacheSize = 4096

func newPageCache(ttl time.Duration) *pageCache {
	c := &pageCache{}
	if ttl > 0 {
		c.entries = expirable.NewLRU[string, any](pageCacheSize, nil, ttl)
	}
	return c
}

// get returns the cached value under key, or loads it (once, however many
// requests ask at the same moment) and caches it.
func get[T any](c *pageCache, key string, load func() (T, error)) (T, error) {
	if c.entries == nil {
		return load()
	}
	if v, ok := c.entries.Get(key); ok {
		return v.(T), nil
	}
	v, err, _ := c.loads.Do(key, func() (any, error) {
		v, err := load()
		if err == nil {
			c.entries.Add(key, v)
		}
		return v, err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}

// forget drops everything, after this instance changed what pages show.
func (c *pageCache) forget() {
	if c.entries != nil {
		c.entries.Purge()
	}
}

// pageLists is the data of the index_lists and category_pages partials.
type pageLists struct {
	Categories []models.Category
	Pages      []models.Page
}

// renderHTML renders a partial into HTML to put into a page. It is safe
// HTML: html/template escaped it.
func (a *App) renderHTML(name string, data any) (template.HTML, error) {
	var buf bytes.Buffer
	if err := a.views.Render(&buf, name, data); err != nil {
		return "", fmt.Errorf("app: render %s: %w", name, err)
	}
	return template.HTML(buf.String()), nil
}

// indexLists is the home page's two top lists, rendered.
func (a *App) indexLists(ctx context.Context) (template.HTML, error) {
	return get(a.cache, "index-lists", func() (template.HTML, error) {
		cats, err := a.store.TopCategories(ctx, 5)
		if err != nil {
			return "", err
		}
		pages, err := a.store.TopPages(ctx, 5)
		if err != nil {
			return "", err
		}
		return a.renderHTML("index_lists", pageLists{Categories: cats, Pages: pages})
	})
}

// categoryPageData is a category with its pages, rendered.
type categoryPageData struct {
	Category models.Category
	PageList template.HTML
}

func (a *App) categoryWithPages(ctx context.Context, slug string) (categoryPageData, error) {
	return get(a.cache, "category:"+slug, func() (categoryPageData, error) {
		cat, err := a.store.CategoryBySlug(ctx, slug)
		if err != nil {
			return categoryPageData{}, err
		}
		pages, err := a.store.PagesByCategory(ctx, cat.ID)
		if err != nil {
			return categoryPageData{}, err
		}
		list, err := a.renderHTML("category_pages", pageLists{Pages: pages})
		return categoryPageData{Category: cat, PageList: list}, err
	})
}
