package admin

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"rango/models"
	"rango/views"
	"rango/web"
)

// pagesCrumb leads back to the page list.
var pagesCrumb = crumb{"Pages", "/admin/pages"}

// pageListPage is the data of admin/pages.
type pageListPage struct {
	page
	Search, Sort string
	CategoryID   uint64
	Categories   []models.Category
	Rows         []models.PageRow
	Nav          pager
}

// pageSorts are the list's orders.
var pageSorts = []sortChoice{{models.PagesByViews, "Most viewed"}, {models.PagesByTitle, "Title"}}

// Sorts are the orders the list offers.
func (pageListPage) Sorts() []sortChoice { return pageSorts }

func (h *Handler) listPages(c *fiber.Ctx) error {
	data := pageListPage{page: h.page(c, "pages", "Pages", dashboardCrumb), Search: cleanParam(c.Query("q"), 200), Sort: models.PagesByViews}
	if c.Query("sort") == models.PagesByTitle {
		data.Sort = models.PagesByTitle
	}
	data.CategoryID, _ = strconv.ParseUint(c.Query("category"), 10, 64)
	var err error
	if data.Categories, err = h.store.AllCategories(c.UserContext()); err != nil {
		return err
	}
	at, before := position(c)
	rows, prev, next, err := h.store.AdminPages(c.UserContext(), models.PageQuery{CategoryID: data.CategoryID, Search: data.Search, Sort: data.Sort},
		at, before, contentPageSize)
	if err != nil {
		return err
	}
	data.Rows = rows
	category := ""
	if data.CategoryID != 0 {
		category = strconv.FormatUint(data.CategoryID, 10)
	}
	data.Nav = pagerOf("/admin/pages", queryOf("q", data.Search, "sort", unlessDefault(data.Sort, models.PagesByViews), "category", category), prev, next)
	return web.Render(c, fiber.StatusOK, "admin/pages", data)
}

// pageEditPage is the data of admin/page. The form's values are in Form:
// a Title field here would hide the page's own.
type pageEditPage struct {
	page
	Page       models.PageRow
	Form       pageForm
	Categories []models.Category
	Errors     web.FieldErrors
}

// pageForm is what the edit form holds.
type pageForm struct {
	Title, URL string
	CategoryID uint64
}

func (h *Handler) pageByID(c *fiber.Ctx) (models.PageRow, error) {
	return byID(c, "page", "it may have been deleted.", h.store.PageByID)
}

func (h *Handler) pageEdit(c *fiber.Ctx, p models.PageRow, f pageForm, errs web.FieldErrors) (pageEditPage, error) {
	cats, err := h.store.AllCategories(c.UserContext())
	return pageEditPage{page: h.page(c, "pages", p.Title, dashboardCrumb, pagesCrumb), Page: p, Form: f, Categories: cats, Errors: errs}, err
}

func (h *Handler) showPage(c *fiber.Ctx) error {
	p, err := h.pageByID(c)
	if err != nil {
		return err
	}
	data, err := h.pageEdit(c, p, pageForm{Title: p.Title, URL: p.URL, CategoryID: p.CategoryID}, web.FieldErrors{})
	if err != nil {
		return err
	}
	return web.Render(c, fiber.StatusOK, "admin/page", data)
}

// updatePage changes a page's title, URL (checked as the site checks it)
// and category.
func (h *Handler) updatePage(c *fiber.Ctx) error {
	p, err := h.pageByID(c)
	if err != nil {
		return err
	}
	errs := web.FieldErrors{}
	f := pageForm{Title: errs.Text(c, "title", "The title", models.MaxPageTitle, true), URL: errs.Text(c, "url", "The URL", models.MaxPageURL, true)}
	link := errs.WebURL("url", "The URL", f.URL)
	f.CategoryID, _ = strconv.ParseUint(c.FormValue("category"), 10, 64)
	if len(errs) == 0 {
		err := h.store.UpdatePage(c.UserContext(), p.ID, f.Title, link, f.CategoryID)
		switch {
		case errors.Is(err, models.ErrNotFound):
			errs["category"] = "Pick one of the categories."
		case err != nil:
			return err
		default:
			return h.done(c, action{Name: "edit page", TargetType: models.TargetPage, Target: fmt.Sprintf("page %d", p.ID), Rows: 1,
				Summary: fmt.Sprintf("Saved the page %s (%s).", f.Title, link)}, fmt.Sprintf("/admin/pages/%d", p.ID))
		}
	}
	data, err := h.pageEdit(c, p, f, errs)
	if err != nil {
		return err
	}
	return web.Render(c, fiber.StatusUnprocessableEntity, "admin/page", data)
}

// resetPageViews sets a page's views to zero.
func (h *Handler) resetPageViews(c *fiber.Ctx) error {
	p, err := h.pageByID(c)
	if err != nil {
		return err
	}
	old, err := h.store.ResetPageViews(c.UserContext(), p.ID)
	if err != nil {
		return err
	}
	return h.done(c, action{Name: "reset page views", TargetType: models.TargetPage, Target: fmt.Sprintf("page %d", p.ID), Rows: old,
		Summary: fmt.Sprintf("Reset the views of %s: %s → 0.", p.Title, views.Thousands(old))}, fmt.Sprintf("/admin/pages/%d", p.ID))
}

// deletePage deletes one page, once confirmed.
func (h *Handler) deletePage(c *fiber.Ctx) error {
	p, err := h.pageByID(c)
	if err != nil {
		return err
	}
	ok, err := h.confirmed(c, h.page(c, "pages", "Delete "+p.Title, dashboardCrumb, pagesCrumb),
		fmt.Sprintf("Delete the page %s from %s?", p.Title, p.CategoryName), "", "Delete the page", fmt.Sprintf("/admin/pages/%d", p.ID))
	if !ok || err != nil {
		return err
	}
	return h.deletePageIDs(c, []uint64{p.ID}, p.Title)
}

// deletePages deletes the ticked pages, once confirmed.
func (h *Handler) deletePages(c *fiber.Ctx) error {
	ids := formIDs(c)
	if len(ids) == 0 {
		return web.NewError(fiber.StatusUnprocessableEntity, "No page was ticked, so none was deleted.")
	}
	ok, err := h.confirmed(c, h.page(c, "pages", "Delete pages", dashboardCrumb, pagesCrumb),
		"Delete "+views.CountOf(int64(len(ids)), "page", "pages")+"?", "", "Delete them", "/admin/pages")
	if !ok || err != nil {
		return err
	}
	return h.deletePageIDs(c, ids, "")
}

func (h *Handler) deletePageIDs(c *fiber.Ctx, ids []uint64, title string) error {
	n, err := h.store.DeletePages(c.UserContext(), ids)
	if err != nil {
		return err
	}
	summary := "Deleted " + views.CountOf(n, "page", "pages") + "."
	if title != "" && n == 1 {
		summary = "Deleted the page " + title + "."
	}
	target := fmt.Sprint(ids)
	return h.done(c, action{Name: "delete pages", TargetType: models.TargetPage, Target: "pages " + target, Rows: n, Summary: summary}, "/admin/pages")
}
