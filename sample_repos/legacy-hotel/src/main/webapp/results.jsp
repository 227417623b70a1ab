<%@ include file="header.jsp" %>
<%@ page import="java.util.Vector, java.util.Hashtable" %>
<%@ page import="com.grandhotel.model.Room" %>
<jsp:useBean id="lastSearch" class="com.grandhotel.web.form.SearchForm" scope="session"/>
<%
    Vector rooms = (Vector) request.getAttribute("rooms");
    Hashtable prices = (Hashtable) request.getAttribute("prices");
%>
<h2>Available rooms</h2>
<p>Your search: <b><%= request.getParameter("roomType") %></b> from
   <%= request.getParameter("checkIn") %> to <%= request.getParameter("checkOut") %>,
   <jsp:getProperty name="lastSearch" property="guests"/> guest(s)</p>
<table border="1" cellpadding="4">
  <tr><th>Room</th><th>Floor</th><th>Description</th><th>Total</th><th></th></tr>
<%
    for (int i = 0; i < rooms.size(); i++) {
        Room r = (Room) rooms.elementAt(i);
        Double total = (Double) prices.get(new Integer(r.getId()));
%>
  <tr>
    <td><%= r.getNumber() %></td>
    <td><%= r.getFloor() %></td>
    <td><%= r.getDescription() %></td>
    <td>EUR <%= total %></td>
    <td><a href="booking.jsp?roomId=<%= r.getId() %>&checkIn=<%= lastSearch.getCheckIn() %>&checkOut=<%= lastSearch.getCheckOut() %>">Book</a></td>
  </tr>
<%  } %>
</table>
<%@ include file="footer.jsp" %>
