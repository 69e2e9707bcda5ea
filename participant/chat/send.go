package chat

import (
	"context"
	"errors"
	"time"

	"github.com/chatwire/connectparticipant/participant"
)

// withToken runs call with the current connection token. If the service
// refuses the token (it expired, or the connection was replaced), the
// session's goroutine refreshes the connection, once however many calls
// found it refused, and call runs again with the new token.
func (s *Session) withToken(ctx context.Context, call func(participant.Secret) error) error {
	token := s.ConnectionToken()
	err := call(token)
	var denied *participant.AccessDeniedException
	if !errors.As(err, &denied) {
		return err
	}
	order := refreshOrder{done: make(chan error, 1)}
	s.mu.Lock()
	current, conn, finished := s.token, s.conn, s.finished
	if current == token && !finished {
		// The next connection answers the order; the socket is broken to
		// make it, unless it is being made already.
		s.orders = append(s.orders, order)
	}
	s.mu.Unlock()
	switch {
	case current != token:
		return call(current) // refreshed meanwhile
	case finished:
		return err
	case conn != nil:
		conn.breakWith(reasonTokenRefused)
	}
	select {
	case rerr := <-order.done:
		if rerr != nil {
			return errors.Join(err, rerr)
		}
	case <-ctx.Done():
		return ctx.Err()
	}
	return call(s.ConnectionToken())
}

// Send sends a plain-text message into the chat.
func (s *Session) Send(ctx context.Context, text string) (*participant.SendMessageOutput, error) {
	return s.SendMessage(ctx, participant.SendMessageInput{ContentType: participant.ContentTypeTextPlain, Content: text})
}

// SendMessage sends a message into the chat; the session sets its
// ConnectionToken. Every retry, including one after the session refreshed a
// refused token, sends the same ClientToken, so the message arrives once.
func (s *Session) SendMessage(ctx context.Context, in participant.SendMessageInput) (*participant.SendMessageOutput, error) {
	var out *participant.SendMessageOutput
	err := s.withToken(ctx, func(token participant.Secret) error {
		in.ConnectionToken = token
		var err error
		out, err = s.client.SendMessage(ctx, in)
		keepClientToken(&in.ClientToken, err)
		return err
	})
	return out, err
}

// SendTyping tells the chat that the participant is typing. Like the
// official chat SDKs, it sends at most one typing event per interval (10
// seconds; see WithTypingInterval): a call within the interval of the last
// event sent returns false and sends nothing.
func (s *Session) SendTyping(ctx context.Context) (sent bool, err error) {
	s.mu.Lock()
	now := s.cfg.now()
	if !s.lastTyping.IsZero() && now.Sub(s.lastTyping) < s.cfg.typingInterval {
		s.mu.Unlock()
		return false, nil
	}
	s.lastTyping = now
	s.mu.Unlock()
	err = s.sendEvent(ctx, participant.EventTypeTyping, "")
	if err != nil {
		s.mu.Lock()
		if s.lastTyping.Equal(now) {
			s.lastTyping = time.Time{} // not sent: the next call may try again
		}
		s.mu.Unlock()
		return false, err
	}
	return true, nil
}

// MarkDelivered sends a receipt: the message with this ID reached the
// participant.
func (s *Session) MarkDelivered(ctx context.Context, messageID string) error {
	return s.sendReceipt(ctx, participant.EventTypeMessageDelivered, messageID)
}

// MarkRead sends a receipt: the participant read the message with this ID.
func (s *Session) MarkRead(ctx context.Context, messageID string) error {
	return s.sendReceipt(ctx, participant.EventTypeMessageRead, messageID)
}

func (s *Session) sendReceipt(ctx context.Context, contentType, messageID string) error {
	if messageID == "" {
		return errors.New("chat: a receipt needs the ID of the message it is about")
	}
	return s.sendEvent(ctx, contentType, participant.ReceiptContent(messageID))
}

func (s *Session) sendEvent(ctx context.Context, contentType, content string) error {
	in := participant.SendEventInput{ContentType: contentType, Content: content}
	return s.withToken(ctx, func(token participant.Secret) error {
		in.ConnectionToken = token
		_, err := s.client.SendEvent(ctx, in)
		keepClientToken(&in.ClientToken, err)
		return err
	})
}

// keepClientToken keeps the ClientToken a failed call sent (the client
// fills an empty one), so that withToken, calling again after a refresh,
// sends the same one and the service applies the call once.
func keepClientToken(token *string, err error) {
	if opErr, ok := errors.AsType[*participant.OperationError](err); ok && opErr.ClientToken != "" {
		*token = opErr.ClientToken
	}
}
