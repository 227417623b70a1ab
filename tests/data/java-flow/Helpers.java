import java.io.IOException;
import java.util.Base64;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

public class Helpers extends HttpServlet {
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String param = request.getParameter("v");
        String passed = new Shaper().roundTrip(request, param);
        response.getWriter().println(passed); // vuln: xss
        String encoded = new Shaper().forPage(param);
        response.getWriter().println(encoded); // safe: xss
        String chosen = new Shaper().pick(param);
        response.getWriter().println(chosen); // safe: xss
        String read = new Shaper().readIt(request);
        Runtime.getRuntime().exec(new String[] {"sh", "-c", read}); // vuln: command-injection
        String fixedCmd = new Shaper().pick(param);
        Runtime.getRuntime().exec(fixedCmd); // safe: command-injection
        new Shaper().store(request, param);
    }

    private class Shaper {
        String roundTrip(HttpServletRequest req, String p) {
            StringBuilder sb = new StringBuilder("x-");
            sb.append(p);
            byte[] enc = Base64.getEncoder().encode(sb.toString().getBytes());
            return new String(Base64.getDecoder().decode(enc));
        }

        String forPage(String p) {
            return org.apache.commons.lang.StringEscapeUtils.escapeHtml(p);
        }

        String pick(String p) {
            java.util.Map<String, String> m = new java.util.HashMap<String, String>();
            m.put("k1", p);
            m.put("k2", "date");
            return m.get("k2");
        }

        String readIt(HttpServletRequest req) {
            String value = req.getParameter("cmd");
            return value == null ? "" : value.trim();
        }

        void store(HttpServletRequest req, String p) {
            req.getSession().setAttribute("last", p); // vuln: trust-boundary
        }
    }
}
