import java.io.IOException;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

public class SwitchAndChars extends HttpServlet {
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String param = request.getHeader("X-Name");
        String guessFrom = "ABC";
        char pick = guessFrom.charAt(1);
        String bar;
        switch (pick) {
            case 'A': bar = param; break;
            case 'B': bar = "bob"; break;
            case 'C': case 'D': bar = param; break;
            default: bar = "bob's your uncle"; break;
        }
        java.io.File safeFile = new java.io.File("/srv/data/" + bar); // safe: path-traversal
        char other = guessFrom.charAt(2);
        String baz;
        switch (other) {
            case 'A': baz = "a"; break;
            case 'C': baz = param; break;
            default: baz = "z";
        }
        java.io.File badFile = new java.io.File("/srv/data/" + baz); // vuln: path-traversal
        request.getSession().setAttribute("user", bar); // safe: trust-boundary
        request.getSession().setAttribute("user", baz); // vuln: trust-boundary
    }
}
