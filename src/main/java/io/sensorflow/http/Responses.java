package io.sensorflow.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The shapes every resource answers in: JSON, CSV, and the JSON error body {@code {error, message}}. */
final class Responses {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final CsvMapper CSV = new CsvMapper();

    private Responses() {
    }

    static HttpResponse json(StatusCode status, Object body) {
        try {
            return HttpResponse.create().withStatus(status)
                    .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, JSON.writeValueAsBytes(body)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes a JSON body token by token, for answers too large or too frequent to build as maps first. */
    interface JsonBody {
        void write(JsonGenerator json) throws IOException;
    }

    static HttpResponse json(StatusCode status, JsonBody body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(8192);
        try (JsonGenerator json = JSON.getFactory().createGenerator(bytes)) {
            body.write(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return HttpResponse.create().withStatus(status)
                .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, bytes.toByteArray()));
    }

    static HttpResponse error(StatusCode status, String message) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error", status.reason().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-"));
        body.put("message", message);
        return json(status, body);
    }

    /** A CSV document: the header, then the rows, quoted as Jackson's CSV writer decides. */
    static HttpResponse csv(List<String> header, List<String[]> rows) {
        StringWriter text = new StringWriter();
        try (SequenceWriter writer = CSV.writer(CsvSchema.emptySchema()).writeValues(text)) {
            writer.write(header.toArray(String[]::new));
            for (String[] row : rows) {
                writer.write(row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return HttpResponse.create().withStatus(StatusCodes.OK)
                .withEntity(HttpEntities.create(ContentTypes.TEXT_CSV_UTF8, text.toString()));
    }
}
