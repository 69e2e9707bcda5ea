package participant

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// logAttempt logs one attempt if the client has a logger: successful
// attempts at Debug, failed ones at Warn. Everything it logs comes from
// errors and answers the call has already cleaned of its secrets.
func (c *Client) logAttempt(ctx context.Context, op string, attempt int, res attemptResult, err error, wait time.Duration) {
	if c.logger == nil {
		return
	}
	level := slog.LevelDebug
	if err != nil {
		level = slog.LevelWarn
	}
	if !c.logger.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("operation", op),
		slog.Int("attempt", attempt),
		slog.Int("status", res.status),
	}
	if res.requestID != "" {
		attrs = append(attrs, slog.String("request_id", res.requestID))
	}
	if err != nil {
		if apiErr, ok := errors.AsType[APIError](err); ok {
			attrs = append(attrs, slog.String("error_code", apiErr.ErrorCode()))
		}
		attrs = append(attrs, slog.String("error", err.Error()))
		if wait > 0 {
			attrs = append(attrs, slog.Duration("retry_in", wait))
		}
	}
	c.logger.LogAttrs(ctx, level, "participant attempt", attrs...)
}
