package io.sensorflow.action.email;

import io.sensorflow.action.Action;
import io.sensorflow.action.DeliveryFailure;
import io.sensorflow.model.AlertEvent;
import io.sensorflow.store.Delivery;
import jakarta.mail.Authenticator;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.PasswordAuthentication;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;

import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** See {@link EmailActionConfig}. */
final class EmailAction implements Action {

    /**
     * Jakarta Mail blocks: sends run on these threads, never on the outbox's. Bounded in threads and in waiting sends;
     * past that an attempt fails at once and the outbox tries it again later.
     */
    private static final ThreadPoolExecutor SENDERS;

    static {
        AtomicInteger number = new AtomicInteger();
        SENDERS = new ThreadPoolExecutor(4, 4, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(256), task -> {
            Thread thread = new Thread(task, "sensorflow-email-" + number.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        SENDERS.allowCoreThreadTimeOut(true);
    }

    private final EmailActionConfig config;
    private final Session session;

    EmailAction(EmailActionConfig config) {
        this.config = config;
        this.session = session(config);
    }

    private static Session session(EmailActionConfig config) {
        Properties properties = new Properties();
        String timeout = Long.toString(config.timeout().toMillis());
        properties.put("mail.smtp.host", config.host());
        properties.put("mail.smtp.port", Integer.toString(config.port()));
        properties.put("mail.smtp.connectiontimeout", timeout);
        properties.put("mail.smtp.timeout", timeout);
        properties.put("mail.smtp.writetimeout", timeout);
        switch (config.security()) {
            case STARTTLS -> {
                // Required, not opportunistic: a server that offers no STARTTLS must not get the password in clear.
                properties.put("mail.smtp.starttls.enable", "true");
                properties.put("mail.smtp.starttls.required", "true");
                properties.put("mail.smtp.ssl.checkserveridentity", "true");
            }
            case TLS -> {
                properties.put("mail.smtp.ssl.enable", "true");
                properties.put("mail.smtp.ssl.checkserveridentity", "true");
            }
            case NONE -> { }
        }
        Authenticator authenticator = null;
        if (config.username().isPresent()) {
            properties.put("mail.smtp.auth", "true");
            PasswordAuthentication credentials = new PasswordAuthentication(config.username().get(),
                    config.password().orElse(""));
            authenticator = new Authenticator() {
                @Override
                protected PasswordAuthentication getPasswordAuthentication() {
                    return credentials;
                }
            };
        }
        return Session.getInstance(properties, authenticator);
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public CompletionStage<Void> execute(AlertEvent event) {
        return execute(event, Delivery.idempotencyKey(event, config.name()));
    }

    @Override
    public CompletionStage<Void> execute(AlertEvent event, String idempotencyKey) {
        try {
            return CompletableFuture.runAsync(() -> send(event, idempotencyKey), SENDERS);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(DeliveryFailure.retryable("too many e-mails waiting to be sent ("
                    + SENDERS.getQueue().size() + ")", Optional.empty()));
        }
    }

    private void send(AlertEvent event, String idempotencyKey) {
        try {
            MimeMessage message = new MimeMessage(session) {
                @Override
                protected void updateMessageID() throws MessagingException {
                    // The same on every attempt, so a mail client shows a repeat as the same message.
                    setHeader("Message-ID", "<" + idempotencyKey.replaceAll("[^A-Za-z0-9.-]", ".")
                            + "@sensorflow>");
                }
            };
            message.setFrom(new InternetAddress(config.from()));
            for (String to : config.to()) {
                message.addRecipient(Message.RecipientType.TO, new InternetAddress(to));
            }
            message.setSubject(config.subject().render(event), "UTF-8");
            message.setText(config.body(event), "UTF-8");
            message.setHeader("Idempotency-Key", idempotencyKey);
            Transport.send(message);
        } catch (MessagingException e) {
            throw classify(e);
        }
    }

    /** A refusal for good (5xx, bad credentials, a malformed address) or one for now (4xx, no connection). */
    static DeliveryFailure classify(MessagingException e) {
        String detail = "smtp " + e.getClass().getSimpleName() + ": " + e.getMessage();
        if (e instanceof AuthenticationFailedException
                || e instanceof jakarta.mail.internet.AddressException) {
            return DeliveryFailure.permanent(detail);
        }
        for (Exception cause = e; cause != null; cause = cause instanceof MessagingException m
                ? m.getNextException() : null) {
            int code = cause instanceof SMTPSendFailedException s ? s.getReturnCode()
                    : cause instanceof SMTPAddressFailedException a ? a.getReturnCode() : 0;
            if (code >= 500) {
                return DeliveryFailure.permanent(detail);
            }
            if (code >= 400) {
                return DeliveryFailure.retryable(detail, Optional.empty());
            }
        }
        return DeliveryFailure.retryable(detail, Optional.empty());
    }
}
